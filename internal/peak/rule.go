// Package peak holds the rule for what a child started with vfork can
// have inherited of the peak memory of the process that spawned it
// (Linux), and the reading of that process's own peak that the rule needs.
// Both the direct runner (the caller spawns) and the spawner use it. The
// rule is kept free of system calls so that it is tested on every OS; the
// derivation, with the kernel references, is in docs/spawner.md ("The
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
// reads of its own peak right after a child's exec or reap.
type Reading struct {
	// RusageKiB is getrusage(RUSAGE_SELF)'s ru_maxrss: the maximum of the
	// high-water mark and the approximate RSS (the very reading exec
	// folds into the child), and of what this process itself inherited
	// at its own exec. RusageOK says it was read.
	RusageKiB uint64
	RusageOK  bool
	// VmHWMKiB is VmHWM of /proc/self/status: the high-water mark and the
	// RSS, summed exactly on recent kernels, so that it can be below what
	// exec read. VmHWMOK says it was read.
	VmHWMKiB uint64
	VmHWMOK  bool
	// ReadErrorKiB is ReadErrorPages in KiB on this machine.
	ReadErrorKiB uint64
}

// FloorKiB is the most of a child's ru_maxrss that can be the spawning
// process's peak rather than the child's own: a figure at or below it is
// withheld. Exec folds max(high-water mark, approximate RSS) of the
// spawning address space into the child, and that maximum only grows as
// long as nothing lowers the RSS without first raising the high-water
// mark (unmaps, madvise and exit raise it; reclaim does not); so any
// later ru_maxrss of the spawning process bounds the fold, and so does
// any later VmHWM plus the approximation's error. The smaller of the two
// is the floor. Neither known: no floor, every figure withheld.
func (p Reading) FloorKiB() uint64 {
	floor := ^uint64(0)
	if p.VmHWMOK {
		floor = p.VmHWMKiB + p.ReadErrorKiB
	}
	if p.RusageOK {
		floor = min(floor, p.RusageKiB)
	}
	return floor
}
