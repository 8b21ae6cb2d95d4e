//go:build windows

package adapters

func totalMemoryBytes() *uint64 { return nil }
