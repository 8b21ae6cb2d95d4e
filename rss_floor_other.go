//go:build unix && !linux

package adapters

// childPeakRSSKiB trusts ru_maxrss as the child's own: the fold of the
// parent's address space at exec is a Linux vfork effect.
func childPeakRSSKiB(reported uint64) (uint64, bool) { return reported, true }
