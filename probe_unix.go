//go:build unix

package adapters

import "github.com/perfgate/adapters/internal/hostmem"

// totalMemoryBytes returns the machine's total memory in bytes, or nil when
// the system will not say; each Unix system's own call is in
// internal/hostmem.
func totalMemoryBytes() *uint64 { return hostmem.TotalBytes() }
