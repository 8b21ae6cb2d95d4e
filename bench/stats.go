package bench

import "github.com/perfgate/adapters"

// Stats is perfgate's Stats: each figure of the measured runs summarised
// over the runs that have it, and absent (nil, omitted from JSON) when
// none has; [adapters.Value] reads one in one expression
// (rss, ok := adapters.Value(st.MaxRSSKB)). Wall time is the whole-millisecond WallMs, as perfgate keeps
// it; summarise [adapters.RunResult.Wall] yourself for full resolution.
type Stats struct {
	WallMs         Summary[uint64]  `json:"wall_ms"`
	CPUMs          *Summary[uint64] `json:"cpu_ms,omitempty"`
	PageFaults     *Summary[uint64] `json:"page_faults,omitempty"`
	CtxSwitches    *Summary[uint64] `json:"ctx_switches,omitempty"`
	MaxRSSKB       *Summary[uint64] `json:"max_rss_kb,omitempty"`
	IOReadBytes    *Summary[uint64] `json:"io_read_bytes,omitempty"`
	IOWriteBytes   *Summary[uint64] `json:"io_write_bytes,omitempty"`
	NetworkPackets *Summary[uint64] `json:"network_packets,omitempty"`
	EnergyUJ       *Summary[uint64] `json:"energy_uj,omitempty"`
	BinaryBytes    *Summary[uint64] `json:"binary_bytes,omitempty"`
	// ThroughputPerS summarises the units of work per second of each run
	// (see [Throughput]); nil when the work was not counted.
	ThroughputPerS *Summary[float64] `json:"throughput_per_s,omitempty"`
}

// ComputeStats summarises measured runs (no warm-ups) as perfgate's
// compute_stats does; ok is false for no runs (perfgate's NoSamples).
// Every run counts, whatever its exit: leave out the runs that should
// not.
func ComputeStats(runs []adapters.RunResult) (st Stats, ok bool) {
	walls := make([]uint64, len(runs))
	for i := range runs {
		walls[i] = runs[i].WallMs
	}
	if st.WallMs, ok = Summarize(walls); !ok {
		return st, false
	}
	of := func(f adapters.Figure) *Summary[uint64] {
		s, ok := Summarize(Figure(runs, f))
		if !ok {
			return nil
		}
		return &s
	}
	st.CPUMs = of(adapters.FigureCPUMs)
	st.PageFaults = of(adapters.FigurePageFaults)
	st.CtxSwitches = of(adapters.FigureCtxSwitches)
	st.MaxRSSKB = of(adapters.FigureMaxRSSKB)
	st.IOReadBytes = of(adapters.FigureIOReadBytes)
	st.IOWriteBytes = of(adapters.FigureIOWriteBytes)
	st.NetworkPackets = of(adapters.FigureNetworkPackets)
	st.EnergyUJ = of(adapters.FigureEnergyUJ)
	st.BinaryBytes = of(adapters.FigureBinaryBytes)
	return st, true
}

// Figure returns the optional figure f of each run that has it, in run
// order, ready for [Summarize]: Figure(runs, adapters.FigureMaxRSSKB).
func Figure(runs []adapters.RunResult, f adapters.Figure) []uint64 {
	values := make([]uint64, 0, len(runs))
	for i := range runs {
		if v, ok := runs[i].Get(f); ok {
			values = append(values, v)
		}
	}
	return values
}

// Throughput summarises workUnits per second of each run, as perfgate's
// compute_stats does with work units: workUnits / (WallMs / 1000) for
// each run, 0 for a run of 0 ms; ok is false for no runs.
func Throughput(runs []adapters.RunResult, workUnits uint64) (Summary[float64], bool) {
	perS := make([]float64, len(runs))
	for i := range runs {
		if secs := float64(runs[i].WallMs) / 1000; secs > 0 {
			perS[i] = float64(workUnits) / secs
		}
	}
	return Summarize(perS)
}

// WallMillis returns each run's full-resolution wall time in
// milliseconds, in run order: the sample hyperfine summarises, tests for
// outliers and compares.
func WallMillis(runs []adapters.RunResult) []float64 {
	ms := make([]float64, len(runs))
	for i := range runs {
		ms[i] = float64(runs[i].Wall.Nanoseconds()) / 1e6
	}
	return ms
}
