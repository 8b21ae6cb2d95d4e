//go:build darwin

package adapters

import "golang.org/x/sys/unix"

// physicalMemoryBytes is the hw.memsize sysctl, the installed RAM in bytes
// as a 64-bit integer. GOOS=ios also builds darwin files.
func physicalMemoryBytes() (uint64, error) {
	return unix.SysctlUint64("hw.memsize")
}
