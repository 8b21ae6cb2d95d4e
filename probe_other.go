//go:build !unix && !windows

package adapters

func totalMemoryBytes() *uint64 { return nil }
