//go:build linux

package hostmem

import "github.com/perfgate/adapters/internal/procfs"

// physicalBytes is MemTotal of /proc/meminfo, the figure free(1) and
// Rust's sysinfo report: RAM less what firmware and the kernel image keep.
// Android (GOOS=android also builds linux files) has the same file.
func physicalBytes() (uint64, error) {
	return procfs.MemTotalBytes(procfs.DefaultRoot)
}
