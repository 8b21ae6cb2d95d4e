// Package peak holds the rule for what a child started with vfork can
// have inherited of the peak memory of the process that spawned it
// (Linux), and the reading of that process's own peak that the rule needs.
// Both the direct runner (the caller spawns) and the spawner use it. The
// rule is kept free of system calls so that it is tested on every OS; the
// derivation, with the kernel references, is in docs/peak.md ("The
// rule").
package peak

// rssCounters is how many per-CPU counters the kernel sums into an
// address space's RSS (get_mm_rss): MM_FILEPAGES, MM_ANONPAGES and
// MM_SHMEMPAGES.
const rssCounters = 3

// ReadErrorPages is the most, in pages, by which the kernel's
// approximate reading of an address space's RSS can exceed its exact
// value, with onlineCPUs CPUs online. Since Linux 6.2 each RSS counter is
// a percpu_counter: a CPU keeps up to batch-1 pages of changes to it out
// of the global count before folding them in, batch being
// percpu_counter_batch = max(32, 2 × online CPUs); exec, getrusage and
// the high-water mark read the global count alone
// (percpu_counter_read_positive), while /proc/PID/status now sums the
// CPUs' shares too. So the approximate reading is at most (batch-1) pages
// per CPU per counter above the exact one. An unknown CPU count (zero or
// less) counts as 4096 CPUs: a figure is rather withheld than wrong.
func ReadErrorPages(onlineCPUs int) uint64 {
	if onlineCPUs <= 0 {
		onlineCPUs = 4096
	}
	cpus := uint64(onlineCPUs)
	batch := max(32, 2*cpus)
	return rssCounters * (batch - 1) * cpus
}

// Reading is what the spawning process (the caller, or the spawner)
// reads of its own peak after a child's exec, in this order: ru_maxrss,
// the approximate RSS, then VmHWM (see FloorKiB for why).
type Reading struct {
	// RusageKiB is getrusage(RUSAGE_SELF)'s ru_maxrss: the maximum of the
	// high-water mark and the approximate RSS (the very reading exec
	// folds into the child), and of what this process itself inherited
	// at its own exec. RusageOK says it was read.
	RusageKiB uint64
	RusageOK  bool
	// ApproxRSSKiB is the rss field of /proc/self/stat: get_mm_rss, the
	// approximate RSS exec reads. ApproxOK says it was read.
	ApproxRSSKiB uint64
	ApproxOK     bool
	// VmHWMKiB is VmHWM of /proc/self/status: the maximum of the
	// high-water mark and the RSS, which recent kernels sum exactly, so
	// that it can be below what exec read. VmHWMOK says it was read.
	VmHWMKiB uint64
	VmHWMOK  bool
	// ReadErrorKiB is ReadErrorPages in KiB on this machine: how far the
	// approximate RSS can be above VmHWM, used when it could not be read.
	ReadErrorKiB uint64
}

// FloorKiB is the most of a child's ru_maxrss that can be the spawning
// process's peak rather than the child's own: a figure at or below it is
// withheld. Exec folds M = max(high-water mark, approximate RSS) of the
// spawning address space into the child, and M only grows as long as
// nothing lowers the RSS without first raising the high-water mark
// (unmaps, madvise, reclaim and exit raise it; the exceptions are in
// docs/peak.md). So any later reading that is at least M bounds the
// fold:
//   - ru_maxrss contains M;
//   - max(approximate RSS, VmHWM), read in that order, is at least M: VmHWM
//     is at least the high-water mark, and should the RSS fall between the
//     two reads, the high-water mark took the fallen value first;
//   - VmHWM plus the approximation's error, when the approximate RSS
//     cannot be read.
//
// The floor is the smallest of these. None known: no floor, every figure
// withheld.
func (p Reading) FloorKiB() uint64 {
	floor := ^uint64(0)
	switch {
	case p.VmHWMOK && p.ApproxOK:
		floor = max(p.VmHWMKiB, p.ApproxRSSKiB)
	case p.VmHWMOK:
		floor = p.VmHWMKiB + p.ReadErrorKiB
	}
	if p.RusageOK {
		floor = min(floor, p.RusageKiB)
	}
	return floor
}
