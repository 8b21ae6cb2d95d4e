//go:build unix

package adapters

// totalMemoryBytes is a placeholder until the per-OS probes land.
func totalMemoryBytes() *uint64 { return nil }
