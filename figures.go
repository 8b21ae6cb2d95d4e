package adapters

// The figures of a RunResult: reading them (Value, Figure, Get) and how
// each platform's counters become them (a Unix rusage, Windows' job
// counters; a cgroup's are in scope.go).

import (
	"runtime"
	"time"

	"github.com/perfgate/adapters/internal/sysproc"
	"github.com/perfgate/adapters/internal/winjob"
)

// Value returns *p and true, or T's zero value and false when p is nil: it
// reads any optional figure of this module in one expression, a
// RunResult's (MaxRSSKB, Signal, ...) and a summary's alike:
//
//	if rss, ok := adapters.Value(res.MaxRSSKB); ok && rss > limitKiB { ... }
func Value[T any](p *T) (T, bool) {
	if p == nil {
		var zero T
		return zero, false
	}
	return *p, true
}

// ValueOr returns *p, or def when p is nil.
func ValueOr[T any](p *T, def T) T {
	if p == nil {
		return def
	}
	return *p
}

// Figure names one optional uint64 figure of a RunResult by its JSON key,
// the key RunResult.Sources and RunResult.Notes use for it too.
type Figure string

// The optional uint64 figures of a RunResult, in the order of its fields.
const (
	FigureCPUMs                  Figure = "cpu_ms"
	FigurePageFaults             Figure = "page_faults"
	FigureCtxSwitches            Figure = "ctx_switches"
	FigureMaxRSSKB               Figure = "max_rss_kb"
	FigureMaxRSSAtMostKB         Figure = "max_rss_at_most_kb"
	FigureIOReadBytes            Figure = "io_read_bytes"
	FigureIOWriteBytes           Figure = "io_write_bytes"
	FigureNetworkPackets         Figure = "network_packets"
	FigureEnergyUJ               Figure = "energy_uj"
	FigureBinaryBytes            Figure = "binary_bytes"
	FigureUserCPUUs              Figure = "user_cpu_us"
	FigureSystemCPUUs            Figure = "system_cpu_us"
	FigureMinorPageFaults        Figure = "minor_page_faults"
	FigureVoluntaryCtxSwitches   Figure = "voluntary_ctx_switches"
	FigureInvoluntaryCtxSwitches Figure = "involuntary_ctx_switches"
	FigureStdoutTotalBytes       Figure = "stdout_total_bytes"
	FigureStderrTotalBytes       Figure = "stderr_total_bytes"
)

// Figures returns every Figure, in the order of RunResult's fields.
func Figures() []Figure {
	return []Figure{FigureCPUMs, FigurePageFaults, FigureCtxSwitches, FigureMaxRSSKB,
		FigureMaxRSSAtMostKB, FigureIOReadBytes, FigureIOWriteBytes, FigureNetworkPackets,
		FigureEnergyUJ, FigureBinaryBytes, FigureUserCPUUs, FigureSystemCPUUs,
		FigureMinorPageFaults, FigureVoluntaryCtxSwitches, FigureInvoluntaryCtxSwitches,
		FigureStdoutTotalBytes, FigureStderrTotalBytes}
}

// Get returns the figure f of r and true, or 0 and false when r does not
// have it (or f names no figure).
func (r RunResult) Get(f Figure) (uint64, bool) {
	return Value(r.field(f))
}

// field returns the pointer field f names, nil for an unknown name.
func (r *RunResult) field(f Figure) *uint64 {
	switch f {
	case FigureCPUMs:
		return r.CPUMs
	case FigurePageFaults:
		return r.PageFaults
	case FigureCtxSwitches:
		return r.CtxSwitches
	case FigureMaxRSSKB:
		return r.MaxRSSKB
	case FigureMaxRSSAtMostKB:
		return r.MaxRSSAtMostKB
	case FigureIOReadBytes:
		return r.IOReadBytes
	case FigureIOWriteBytes:
		return r.IOWriteBytes
	case FigureNetworkPackets:
		return r.NetworkPackets
	case FigureEnergyUJ:
		return r.EnergyUJ
	case FigureBinaryBytes:
		return r.BinaryBytes
	case FigureUserCPUUs:
		return r.UserCPUUs
	case FigureSystemCPUUs:
		return r.SystemCPUUs
	case FigureMinorPageFaults:
		return r.MinorPageFaults
	case FigureVoluntaryCtxSwitches:
		return r.VoluntaryCtxSwitches
	case FigureInvoluntaryCtxSwitches:
		return r.InvoluntaryCtxSwitches
	case FigureStdoutTotalBytes:
		return r.StdoutTotalBytes
	case FigureStderrTotalBytes:
		return r.StderrTotalBytes
	}
	return nil
}

// applyUsage fills r's resource figures from a Unix rusage, converting
// units for this system.
func applyUsage(r *RunResult, u *sysproc.Usage) {
	goos := runtime.GOOS
	applyCPU(r, u.User, u.System)
	r.MaxRSSKB = uint64Ptr(sysproc.MaxRSSKiB(goos, u.MaxRSSRaw))
	r.PageFaults = uint64Ptr(nonNegative(u.MajorFaults))
	r.MinorPageFaults = uint64Ptr(nonNegative(u.MinorFaults))
	voluntary, involuntary := nonNegative(u.Voluntary), nonNegative(u.Involuntary)
	r.VoluntaryCtxSwitches = uint64Ptr(voluntary)
	r.InvoluntaryCtxSwitches = uint64Ptr(involuntary)
	r.CtxSwitches = uint64Ptr(voluntary + involuntary)
	if read, ok := sysproc.BlockIOBytes(goos, u.InBlocks); ok {
		r.IOReadBytes = uint64Ptr(read)
	}
	if written, ok := sysproc.BlockIOBytes(goos, u.OutBlocks); ok {
		r.IOWriteBytes = uint64Ptr(written)
	}
}

// applyCPU fills r's CPU figures.
func applyCPU(r *RunResult, user, system time.Duration) {
	userUs := nonNegative(user.Microseconds())
	systemUs := nonNegative(system.Microseconds())
	r.UserCPUUs = uint64Ptr(userUs)
	r.SystemCPUUs = uint64Ptr(systemUs)
	r.CPUMs = uint64Ptr((userUs + systemUs) / 1000)
}

func nonNegative(v int64) uint64 {
	if v < 0 {
		return 0
	}
	return uint64(v)
}

// applyJobCounters fills r's figures from what Windows recorded. CPU time,
// page faults and I/O come from the job where it gave them, so that they
// cover the whole tree, as rusage covers the child and the descendants it
// waited for on Unix (a Windows process's own counters leave its children
// out). The peak working set is the child's: the job keeps no working-set
// peak, only a commit-charge one, which is another quantity. Context
// switches stay nil: Windows keeps no per-process count.
func applyJobCounters(r *RunResult, c *winjob.Counters) {
	if cpu := firstNonNil(c.JobCPU, c.CPU); cpu != nil {
		applyCPU(r, cpu.User, cpu.Kernel)
	}
	switch {
	case c.JobPageFaults != nil:
		r.PageFaults = uint64Ptr(*c.JobPageFaults)
	case c.Memory != nil:
		r.PageFaults = uint64Ptr(c.Memory.PageFaults)
	}
	if c.Memory != nil {
		r.MaxRSSKB = uint64Ptr(c.Memory.PeakWorkingSetBytes / 1024)
	}
	if io := firstNonNil(c.JobIO, c.IO); io != nil {
		r.IOReadBytes = uint64Ptr(io.Read)
		r.IOWriteBytes = uint64Ptr(io.Written)
	}
}

func firstNonNil[T any](a, b *T) *T {
	if a != nil {
		return a
	}
	return b
}
