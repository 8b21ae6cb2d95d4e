//go:build unix

// Package hostmem reads the machine's total physical memory on the Unix
// systems, each in its own way (the file of each system says which call
// and why). Windows asks GlobalMemoryStatusEx, in the adapters package's
// probe_windows.go.
package hostmem

// TotalBytes returns the machine's total memory in bytes, or nil when the
// system will not say.
func TotalBytes() *uint64 {
	n, err := physicalBytes()
	if err != nil || n == 0 {
		// A zero total is a failed query, never a machine: report nothing
		// rather than a wrong figure.
		return nil
	}
	return &n
}
