// Package winjob is the Windows job object of a run: a job per run,
// created kill-on-close, that the suspended child is put in before it runs,
// that a deadline terminates as a whole, and whose accounting gives the
// figures of the whole process tree.
package winjob

import "time"

// Counters is what Windows recorded for a finished run. A nil part could
// not be read (or was read as something impossible, see ReadCounters). It
// compiles on every OS, so that the rules that turn it into figures are
// tested everywhere.
type Counters struct {
	// Of the child process alone.
	CPU    *CPUTimes // GetProcessTimes
	Memory *Memory   // K32GetProcessMemoryInfo
	IO     *IOBytes  // GetProcessIoCounters

	// Of the job: every process that was in it, the child and all its
	// descendants, exited or still running.
	JobCPU        *CPUTimes
	JobPageFaults *uint64
	JobIO         *IOBytes
}

// CPUTimes is user and kernel CPU time.
type CPUTimes struct{ User, Kernel time.Duration }

// Memory is a process's peak working set and its page faults, soft and
// hard: Windows does not split them.
type Memory struct {
	PeakWorkingSetBytes uint64
	PageFaults          uint64
}

// IOBytes is the bytes read and written through I/O calls.
type IOBytes struct{ Read, Written uint64 }
