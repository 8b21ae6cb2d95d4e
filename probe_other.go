//go:build !unix && !windows

package adapters

// totalMemoryBytes is nil on the remaining platforms: js/wasm and wasip1
// run in a sandbox with no interface to the host's memory size (WASI has
// no such call, and a browser hides it), and on Plan 9 it would take
// parsing /dev/swap, which is not done without a Plan 9 to test it on.
func totalMemoryBytes() *uint64 { return nil }
