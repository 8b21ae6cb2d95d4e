package adapters

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
