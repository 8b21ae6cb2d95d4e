//go:build unix

package adapters

// totalMemoryBytes returns the machine's total memory in bytes, or nil when
// the system will not say. How to ask is per system: physicalMemoryBytes
// is in probe_linux.go (Linux, Android), probe_darwin.go (macOS, iOS),
// probe_bsd.go, probe_solaris.go (Solaris, illumos), probe_aix.go and
// probe_hurd.go (not supported).
func totalMemoryBytes() *uint64 {
	n, err := physicalMemoryBytes()
	if err != nil || n == 0 {
		// A zero total is a failed query, never a machine: report nothing
		// rather than a wrong figure.
		return nil
	}
	return &n
}
