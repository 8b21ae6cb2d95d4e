//go:build linux

package adapters

import "github.com/perfgate/adapters/internal/procfs"

// physicalMemoryBytes is MemTotal of /proc/meminfo, the figure free(1) and
// Rust's sysinfo report: RAM less what firmware and the kernel image keep.
// Android (GOOS=android also builds linux files) has the same file.
func physicalMemoryBytes() (uint64, error) {
	return procfs.MemTotalBytes(procfs.DefaultRoot)
}
