package adapters

import (
	"errors"
	"io/fs"
	"strconv"

	"github.com/perfgate/adapters/internal/cgroupfs"
	"github.com/perfgate/adapters/internal/winjob"
)

// Scope says which processes a figure covers.
type Scope string

const (
	// ScopeProcess covers, on Unix, the child and the descendants it
	// waited for: what wait4's rusage holds. Descendants nobody waited for
	// (orphans, daemons) are not counted, and a peak is the largest single
	// process's. On Windows, which keeps no waited-for totals, the run's
	// job object gives CPU time, page faults and I/O for the child and
	// every descendant, waited for or not, in either scope (the child's own
	// counters only where the job gives none), and the peak is the child's
	// own working set; only Sources differs between the scopes there
	// (docs/windows.md).
	ScopeProcess Scope = "process"
	// ScopeTree covers every process of the run, waited for or not: the
	// cgroup v2 created for the run (Linux), which the child starts in
	// and its descendants cannot leave without privilege.
	ScopeTree Scope = "tree"
)

// Source names the interface a figure was read from, in FigureSource.
type Source string

// The sources of figures.
const (
	// SourceWait4 is the rusage wait4 returned for the child.
	SourceWait4 Source = "wait4"
	// SourceGetProcessTimes is Windows' GetProcessTimes of the child.
	SourceGetProcessTimes Source = "GetProcessTimes"
	// SourceGetProcessMemoryInfo is Windows' K32GetProcessMemoryInfo of
	// the child (peak working set, page faults).
	SourceGetProcessMemoryInfo Source = "GetProcessMemoryInfo"
	// SourceGetProcessIoCounters is Windows' GetProcessIoCounters of the
	// child.
	SourceGetProcessIoCounters Source = "GetProcessIoCounters"
	// SourceJobAccounting is the accounting of the run's Windows job
	// object (JobObjectBasicAndIoAccountingInformation): every process
	// that was in the job.
	SourceJobAccounting Source = "JobAccounting"
	// SourceCgroupCPUStat is usage_usec, user_usec and system_usec of the
	// run's cgroup.
	SourceCgroupCPUStat Source = "cgroup.cpu.stat"
	// SourceCgroupMemoryPeak is memory.peak of the run's cgroup: the
	// peak of the memory charged to it (anonymous memory, page cache,
	// kernel memory), not a resident set size.
	SourceCgroupMemoryPeak Source = "cgroup.memory.peak"
	// SourceCgroupIOStat is rbytes and wbytes of the run's cgroup's
	// io.stat, summed over devices.
	SourceCgroupIOStat Source = "cgroup.io.stat"
)

// FigureSource says what one figure of a RunResult covers and where it
// was read.
type FigureSource struct {
	// Scope is ScopeProcess or ScopeTree.
	Scope Scope `json:"scope"`
	// Source names the interface the figure was read from (SourceWait4,
	// SourceCgroupCPUStat, ...); empty where the platform names none.
	Source Source `json:"source"`
	// Note says why a figure asked for in tree scope is a process one
	// (no cgroup could be made, the controller is not enabled, the
	// cross-check failed), or what is odd about a tree one.
	Note string `json:"note,omitempty"`
}

// Cross-check of the cgroup's CPU time against wait4's (BenchExec does the
// same): every process wait4 counts ran in the cgroup, so the cgroup's
// usage can only be larger, up to rounding. A cgroup figure smaller than
// wait4's by more than cpuCrossCheckSlackUs plus 1/cpuCrossCheckDivisor of
// it means the cgroup did not see the whole run (a process moved out of
// it by someone else), and wait4's figures are kept.
const (
	cpuCrossCheckSlackUs = 1000
	cpuCrossCheckDivisor = 100
)

// cgroupCPUPlausible reports whether the cgroup's usage passes the
// cross-check against wait4's user+system time, both in microseconds.
func cgroupCPUPlausible(cgroupUs, wait4Us uint64) bool {
	slack := uint64(cpuCrossCheckSlackUs) + wait4Us/cpuCrossCheckDivisor
	return cgroupUs >= wait4Us || wait4Us-cgroupUs <= slack
}

// noSource stands for a figure whose source the platform does not name
// (the os/exec runner of plan9, js/wasm and wasip1, which reads none).
const noSource Source = ""

// noCgroupElsewhere is the note of every figure asked for in tree scope
// where there is no cgroup v2.
const noCgroupElsewhere = "tree scope needs Linux cgroup v2"

// keyedFigure is a figure and its JSON key.
type keyedFigure struct {
	key   string
	value *uint64
}

// resourceFigures lists the figures whose scope Sources reports, by JSON
// key. Wall time, exit status, output, binary size and energy (which is
// the machine's) have no scope.
func resourceFigures(r *RunResult) [11]keyedFigure {
	return [...]keyedFigure{
		{"cpu_ms", r.CPUMs},
		{"user_cpu_us", r.UserCPUUs},
		{"system_cpu_us", r.SystemCPUUs},
		{"max_rss_kb", r.MaxRSSKB},
		{"page_faults", r.PageFaults},
		{"minor_page_faults", r.MinorPageFaults},
		{"ctx_switches", r.CtxSwitches},
		{"voluntary_ctx_switches", r.VoluntaryCtxSwitches},
		{"involuntary_ctx_switches", r.InvoluntaryCtxSwitches},
		{"io_read_bytes", r.IOReadBytes},
		{"io_write_bytes", r.IOWriteBytes},
	}
}

var (
	cpuKeys = []string{"cpu_ms", "user_cpu_us", "system_cpu_us"}
	ioKeys  = []string{"io_read_bytes", "io_write_bytes"}
)

// applyTreeScope replaces r's process figures by the cgroup's where t has
// them, and sets r.Sources for every resource figure r holds. t is nil
// where there are no cgroups; processSource names where the process
// figures came from.
func applyTreeScope(r *RunResult, t *cgroupfs.Reading, processSource Source) {
	sources := make(map[string]FigureSource, len(resourceFigures(r)))
	note := ""
	switch {
	case t == nil:
		note = "no cgroup: " + noCgroupElsewhere
	case t.Unavailable != "":
		note = "no cgroup: " + t.Unavailable
	}
	for _, f := range resourceFigures(r) {
		if f.value != nil {
			sources[f.key] = FigureSource{Scope: ScopeProcess, Source: processSource, Note: note}
		}
	}
	// A process peak withheld as possibly inherited (MaxRSSAtMostKB set)
	// is a figure asked for and not given: it keeps its entry, so that
	// the reason the tree's is missing too is not lost.
	withheldPeak := r.MaxRSSKB == nil && r.MaxRSSAtMostKB != nil
	if withheldPeak {
		sources["max_rss_kb"] = FigureSource{Scope: ScopeProcess, Source: processSource, Note: note}
	}
	if note == "" {
		tree := treeFigures{r: r, sources: sources, stats: &t.Stats, leftover: t.Leftover}
		tree.applyCPU()
		tree.applyPeak(withheldPeak)
		tree.applyIO()
	}
	if src, ok := sources["max_rss_kb"]; ok && withheldPeak && r.MaxRSSKB == nil {
		// Tree scope starts children directly, never through the
		// spawner: say why both figures are missing, and nothing else.
		src.Note += "; and ru_maxrss (" + strconv.FormatUint(*r.MaxRSSAtMostKB, 10) +
			" KiB) is withheld: not above the peak of the process that started the child, which" +
			" a child started directly inherits at exec (tree scope always starts it directly)"
		sources["max_rss_kb"] = src
	}
	if len(sources) > 0 {
		r.Sources = sources
	}
}

// treeFigures puts a cgroup's figures in a RunResult, each with its
// source, or notes on the process figure why the tree's is missing.
type treeFigures struct {
	r        *RunResult
	sources  map[string]FigureSource
	stats    *cgroupfs.Stats
	leftover string
}

func (t *treeFigures) set(keys []string, source Source) {
	for _, key := range keys {
		t.sources[key] = FigureSource{Scope: ScopeTree, Source: source, Note: t.leftover}
	}
}

// applyCPU takes cpu.stat's times unless they are below wait4's: a cgroup
// that missed part of the run.
func (t *treeFigures) applyCPU() {
	r, s := t.r, t.stats
	switch {
	case s.CPUErr != nil:
		noteOn(t.sources, cpuKeys, "cgroup: "+missingFile(s.CPUErr, "cpu.stat", "Linux before 4.15"))
	case r.UserCPUUs != nil && r.SystemCPUUs != nil &&
		!cgroupCPUPlausible(s.CPU.UsageUsec, *r.UserCPUUs+*r.SystemCPUUs):
		noteOn(t.sources, cpuKeys, "cgroup cpu.stat usage_usec "+strconv.FormatUint(s.CPU.UsageUsec, 10)+
			" is below wait4's "+strconv.FormatUint(*r.UserCPUUs+*r.SystemCPUUs, 10)+
			" µs: the cgroup missed part of the run; wait4's figures kept")
	default:
		user, system := s.CPU.UserUsec, s.CPU.SystemUsec
		r.UserCPUUs, r.SystemCPUUs = &user, &system
		r.CPUMs = uint64Ptr((user + system) / 1000)
		t.set(cpuKeys, SourceCgroupCPUStat)
	}
}

// applyPeak takes memory.peak. The tree's peak replaces a withheld one,
// and with it the bound and the note that explained the withholding.
func (t *treeFigures) applyPeak(withheldPeak bool) {
	r, s := t.r, t.stats
	if s.MemoryPeakErr != nil {
		noteOn(t.sources, []string{"max_rss_kb"}, "cgroup: "+missingFile(s.MemoryPeakErr, "memory.peak",
			"memory controller not enabled in the parent's cgroup.subtree_control, or Linux before 5.19"))
		return
	}
	r.MaxRSSKB = uint64Ptr(s.MemoryPeak / 1024)
	t.set([]string{"max_rss_kb"}, SourceCgroupMemoryPeak)
	if withheldPeak {
		r.MaxRSSAtMostKB = nil
		delete(r.Notes, "max_rss_kb")
		if len(r.Notes) == 0 {
			r.Notes = nil
		}
	}
}

// applyIO takes io.stat's bytes.
func (t *treeFigures) applyIO() {
	r, s := t.r, t.stats
	if s.IOErr != nil {
		noteOn(t.sources, ioKeys, "cgroup: "+missingFile(s.IOErr, "io.stat",
			"io controller not enabled in the parent's cgroup.subtree_control"))
		return
	}
	r.IOReadBytes, r.IOWriteBytes = uint64Ptr(s.IO.ReadBytes), uint64Ptr(s.IO.WriteBytes)
	t.set(ioKeys, SourceCgroupIOStat)
}

// noteOn sets the note of the sources of keys that exist.
func noteOn(sources map[string]FigureSource, keys []string, note string) {
	for _, key := range keys {
		if s, ok := sources[key]; ok {
			s.Note = note
			sources[key] = s
		}
	}
}

// missingFile explains an error reading a cgroup file: for a file that
// does not exist, why it does not; otherwise the error itself.
func missingFile(err error, name, why string) string {
	if errors.Is(err, fs.ErrNotExist) {
		return "no " + name + " (" + why + ")"
	}
	return name + ": " + err.Error()
}

// noteFallbacks copies into Notes the reason of every tree-scope figure
// that fell back to the process's, so that Notes explains every scope.
func noteFallbacks(r *RunResult) {
	for key, src := range r.Sources {
		if src.Scope != ScopeTree && src.Note != "" {
			r.setNote(key, "process figure, not the tree's: "+src.Note)
		}
	}
}

// jobSources says, for each figure applyJobCounters set, whether it came from the job
// (the tree) or from the child alone, for RunResult.Sources in tree scope.
func jobSources(r *RunResult, c *winjob.Counters) map[string]FigureSource {
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
		set(cpuKeys, c.JobCPU != nil, FigureSource{Scope: ScopeProcess, Source: SourceGetProcessTimes, Note: "no job accounting"})
	}
	if r.PageFaults != nil {
		set([]string{"page_faults"}, c.JobPageFaults != nil, FigureSource{Scope: ScopeProcess, Source: SourceGetProcessMemoryInfo, Note: "no job accounting"})
	}
	if r.MaxRSSKB != nil {
		set([]string{"max_rss_kb"}, false, FigureSource{Scope: ScopeProcess, Source: SourceGetProcessMemoryInfo, Note: "a job keeps no working-set peak"})
	}
	if r.IOReadBytes != nil {
		set(ioKeys, c.JobIO != nil, FigureSource{Scope: ScopeProcess, Source: SourceGetProcessIoCounters, Note: "no job accounting"})
	}
	return sources
}
