package main

import "github.com/perfgate/adapters/internal/procfs"

// ownPeakKiB returns this process's own peak resident set size (VmHWM).
// On Linux a child started directly inherits it at exec, so the library
// withholds a child's peak that is not above it (see the adapters README,
// "Peak memory"): that is why a peak memory shows as n/a.
func ownPeakKiB() (uint64, bool) {
	kib, err := procfs.PeakRSSKiB(procfs.DefaultRoot, "self")
	return kib, err == nil
}
