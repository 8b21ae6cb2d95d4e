package adapters

// How the counters Windows keeps for a run's child process and for its job
// object (the whole process tree) become a RunResult's figures and their
// sources. The counters are read in job_windows.go; this file compiles on
// every OS so that the rules are tested everywhere.

import "time"

// jobCounters is what Windows recorded for a finished run. A nil part could
// not be read (or was read as something impossible, see readCounters).
type jobCounters struct {
	// Of the child process alone.
	cpu    *cpuTimes      // GetProcessTimes
	memory *memoryFigures // K32GetProcessMemoryInfo
	io     *ioBytes       // GetProcessIoCounters

	// Of the job: every process that was in it, the child and all its
	// descendants, exited or still running.
	jobCPU        *cpuTimes
	jobPageFaults *uint64
	jobIO         *ioBytes
}

type cpuTimes struct{ user, kernel time.Duration }

type memoryFigures struct {
	peakWorkingSetBytes uint64
	pageFaults          uint64 // soft and hard: Windows does not split them
}

type ioBytes struct{ read, written uint64 }

// apply fills r's figures. CPU time, page faults and I/O come from the job
// where it gave them, so that they cover the whole tree, as rusage covers
// the child and the descendants it waited for on Unix (a Windows process's
// own counters leave its children out). The peak working set is the
// child's: the job keeps no working-set peak, only a commit-charge one,
// which is another quantity. Context switches stay nil: Windows keeps no
// per-process count.
func (c *jobCounters) apply(r *RunResult) {
	if cpu := firstNonNil(c.jobCPU, c.cpu); cpu != nil {
		applyCPU(r, cpu.user, cpu.kernel)
	}
	switch {
	case c.jobPageFaults != nil:
		r.PageFaults = uint64Ptr(*c.jobPageFaults)
	case c.memory != nil:
		r.PageFaults = uint64Ptr(c.memory.pageFaults)
	}
	if c.memory != nil {
		r.MaxRSSKB = uint64Ptr(c.memory.peakWorkingSetBytes / 1024)
	}
	if io := firstNonNil(c.jobIO, c.io); io != nil {
		r.IOReadBytes = uint64Ptr(io.read)
		r.IOWriteBytes = uint64Ptr(io.written)
	}
}

// sources says, for each figure apply set, whether it came from the job
// (the tree) or from the child alone, for RunResult.Sources in tree scope.
func (c *jobCounters) sources(r *RunResult) map[string]FigureSource {
	job := FigureSource{Scope: ScopeTree, Source: SourceJobAccounting}
	sources := make(map[string]FigureSource)
	set := func(keys []string, fromJob bool, child FigureSource) {
		for _, key := range keys {
			if fromJob {
				sources[key] = job
			} else {
				sources[key] = child
			}
		}
	}
	if r.CPUMs != nil {
		set(cpuKeys, c.jobCPU != nil, FigureSource{Scope: ScopeProcess, Source: SourceGetProcessTimes, Note: "no job accounting"})
	}
	if r.PageFaults != nil {
		set([]string{"page_faults"}, c.jobPageFaults != nil, FigureSource{Scope: ScopeProcess, Source: SourceGetProcessMemoryInfo, Note: "no job accounting"})
	}
	if r.MaxRSSKB != nil {
		set([]string{"max_rss_kb"}, false, FigureSource{Scope: ScopeProcess, Source: SourceGetProcessMemoryInfo, Note: "a job keeps no working-set peak"})
	}
	if r.IOReadBytes != nil {
		set(ioKeys, c.jobIO != nil, FigureSource{Scope: ScopeProcess, Source: SourceGetProcessIoCounters, Note: "no job accounting"})
	}
	return sources
}

func firstNonNil[T any](a, b *T) *T {
	if a != nil {
		return a
	}
	return b
}
