package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"github.com/perfgate/adapters"
)

// notAvailable is what a figure the platform did not give prints as.
const notAvailable = "n/a"

// writeJSONLine writes v as json.Marshal encodes it, then a newline.
func writeJSONLine(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// runKeys are the keys a -json line adds to the RunResult's own.
type runKeys struct {
	Name       string            `json:"name"`
	Command    int               `json:"command"`
	Run        int               `json:"run"`
	Parameters map[string]string `json:"parameters,omitempty"`
}

// writeRunJSONLine writes r as adapters marshals it, with keys first.
func writeRunJSONLine(w io.Writer, keys runKeys, r *adapters.RunResult) error {
	b, err := joinObjects(keys, r)
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// joinObjects marshals first and then second, both JSON objects with no
// key in common, into one object holding the keys of both in that order.
func joinObjects(first, second any) ([]byte, error) {
	a, err := json.Marshal(first)
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(second)
	if err != nil {
		return nil, err
	}
	if len(b) <= 2 { // {}
		return a, nil
	}
	return append(append(a[:len(a)-1], ','), b[1:]...), nil
}

// runHeading is the first line of a run's table: "run 1/3 [name]: argv".
func runHeading(label, name string, argv []string) string {
	if name != "" {
		label += " [" + name + "]"
	}
	return label + ": " + commandLine(argv)
}

// commandLine joins argv with spaces, quoting the arguments that would
// otherwise read ambiguously.
func commandLine(argv []string) string {
	parts := make([]string, len(argv))
	for i, arg := range argv {
		if arg == "" || strings.IndexFunc(arg, needsQuoting) >= 0 {
			parts[i] = strconv.Quote(arg)
		} else {
			parts[i] = arg
		}
	}
	return strings.Join(parts, " ")
}

func needsQuoting(r rune) bool {
	return r == ' ' || r == '"' || r == '\'' || r == '\\' || !strconv.IsPrint(r)
}

// row writes one "  key  value" line of a table.
func row(w io.Writer, key, value string) {
	fmt.Fprintf(w, "  %-13s %s\n", key, value)
}

// writeRunTable writes the figures of one run under heading; rssNA is
// what a missing peak memory shows as.
func writeRunTable(w io.Writer, heading string, r *adapters.RunResult, rssNA string) {
	fmt.Fprintln(w, heading)
	wall := float64(r.Wall.Nanoseconds()) / 1e6
	unit := timeUnitFor(wall)
	row(w, "wall", unit.format(wall))
	row(w, "exit", exitString(r))
	row(w, "timed out", yesNo(r.TimedOut))
	row(w, "cpu", fmt.Sprintf("user %s, system %s, total %s",
		microsIn(r.UserCPUUs, unit), microsIn(r.SystemCPUUs, unit), totalCPUString(r, unit)))
	rss := rssNA
	if r.MaxRSSKB != nil {
		rss = memString(*r.MaxRSSKB)
	}
	row(w, "max rss", rss)
	row(w, "page faults", fmt.Sprintf("major %s, minor %s", count(r.PageFaults, ""), count(r.MinorPageFaults, "")))
	row(w, "ctx switches", fmt.Sprintf("voluntary %s, involuntary %s",
		count(r.VoluntaryCtxSwitches, ""), count(r.InvoluntaryCtxSwitches, "")))
	row(w, "block io", fmt.Sprintf("read %s, write %s", count(r.IOReadBytes, " B"), count(r.IOWriteBytes, " B")))
	energy := count(r.EnergyUJ, " uJ")
	if r.EnergyUJ == nil {
		energy += " (" + energyMissing(runtime.GOOS, "/sys/class/powercap") + ")"
	}
	row(w, "energy", energy)
	row(w, "binary", count(r.BinaryBytes, " B"))
	row(w, "stdout", streamString(r.StdoutTotalBytes, len(r.Stdout), r.StdoutTruncated))
	row(w, "stderr", streamString(r.StderrTotalBytes, len(r.Stderr), r.StderrTruncated))
	if r.Sources != nil {
		for _, f := range []struct{ label, key string }{
			{"cpu scope", "cpu_ms"}, {"rss scope", "max_rss_kb"}, {"io scope", "io_read_bytes"},
		} {
			if src, ok := r.Sources[f.key]; ok {
				row(w, f.label, sourceString(src))
			}
		}
	}
}

// sourceString describes where a figure came from: "tree (cgroup.cpu.stat)"
// or "process (wait4): why the tree was not measured".
func sourceString(src adapters.FigureSource) string {
	s := fmt.Sprintf("%s (%s)", src.Scope, src.Source)
	if src.Note != "" {
		s += ": " + src.Note
	}
	return s
}

// writeCapturedOutput writes what was kept of each stream the command
// wrote to, as it is, under a heading.
func writeCapturedOutput(w io.Writer, r *adapters.RunResult) {
	streams := []struct {
		name      string
		kept      []byte
		total     *uint64
		truncated bool
	}{
		{"stdout", r.Stdout, r.StdoutTotalBytes, r.StdoutTruncated},
		{"stderr", r.Stderr, r.StderrTotalBytes, r.StderrTruncated},
	}
	for _, s := range streams {
		if s.total == nil || (*s.total == 0 && len(s.kept) == 0) {
			continue
		}
		if s.truncated {
			fmt.Fprintf(w, "--- %s (first %d of %d B) ---\n", s.name, len(s.kept), *s.total)
		} else {
			fmt.Fprintf(w, "--- %s (%d B) ---\n", s.name, len(s.kept))
		}
		w.Write(s.kept)
		if len(s.kept) > 0 && s.kept[len(s.kept)-1] != '\n' {
			fmt.Fprintln(w)
		}
	}
}

// cpuMs is the run's user + system CPU time in milliseconds, at
// microsecond resolution when the parts are known, else from CPUMs.
func cpuMs(r *adapters.RunResult) (float64, bool) {
	if r.UserCPUUs != nil && r.SystemCPUUs != nil {
		return float64(*r.UserCPUUs+*r.SystemCPUUs) / 1000, true
	}
	if r.CPUMs != nil {
		return float64(*r.CPUMs), true
	}
	return 0, false
}

func totalCPUString(r *adapters.RunResult, unit timeUnit) string {
	ms, ok := cpuMs(r)
	if !ok {
		return notAvailable
	}
	if (r.UserCPUUs == nil || r.SystemCPUUs == nil) && unit == unitMs {
		// Only the whole milliseconds of CPUMs are known.
		return strconv.FormatFloat(ms, 'f', 0, 64) + " ms"
	}
	return unit.format(ms)
}

// writeHostTable describes the host; the hostname hash row appears when
// it was asked for.
func writeHostTable(w io.Writer, h *adapters.HostInfo, withHostnameHash bool) {
	fmt.Fprintln(w, "host")
	row(w, "os", orNA(h.OS))
	row(w, "arch", orNA(h.Arch))
	cpus := notAvailable
	if h.CPUCount != nil {
		cpus = strconv.FormatUint(uint64(*h.CPUCount), 10)
	}
	row(w, "cpus", cpus)
	memory := notAvailable
	if h.MemoryBytes != nil {
		memory = fmt.Sprintf("%d B (%.1f GiB)", *h.MemoryBytes, float64(*h.MemoryBytes)/(1<<30))
	}
	row(w, "memory", memory)
	if withHostnameHash {
		hash := notAvailable
		if h.HostnameHash != nil {
			hash = *h.HostnameHash
		}
		row(w, "hostname hash", hash)
	}
}

func exitString(r *adapters.RunResult) string {
	s := strconv.Itoa(r.ExitCode)
	if r.Signal != nil {
		s += fmt.Sprintf(" (signal %d: %s)", *r.Signal, signalName(*r.Signal))
	}
	return s
}

func streamString(total *uint64, kept int, truncated bool) string {
	if total == nil {
		return notAvailable + " (not captured)"
	}
	s := strconv.FormatUint(*total, 10) + " B"
	if truncated {
		s += fmt.Sprintf(" (truncated, %d B kept)", kept)
	}
	return s
}

// count formats an optional counter with its unit, or n/a.
func count(p *uint64, unit string) string {
	if p == nil {
		return notAvailable
	}
	return strconv.FormatUint(*p, 10) + unit
}

// microsIn formats optional microseconds in unit, or n/a.
func microsIn(p *uint64, unit timeUnit) string {
	if p == nil {
		return notAvailable
	}
	return unit.format(float64(*p) / 1000)
}

// sizeString shows KiB in KiB, MiB or GiB by size, rounded up to one
// decimal: it shows upper bounds, which rounding down would understate.
func sizeString(kib uint64) string {
	switch {
	case kib < 1<<10:
		return strconv.FormatUint(kib, 10) + " KiB"
	case kib < 1<<20:
		return strconv.FormatFloat(math.Ceil(float64(kib)*10/(1<<10))/10, 'f', 1, 64) + " MiB"
	}
	return strconv.FormatFloat(math.Ceil(float64(kib)*10/(1<<20))/10, 'f', 1, 64) + " GiB"
}

// memUnit shows memory in KiB, MiB or GiB.
type memUnit struct {
	name   string
	perKiB float64
}

var (
	unitKiB = memUnit{"KiB", 1}
	unitMiB = memUnit{"MiB", 1.0 / (1 << 10)}
	unitGiB = memUnit{"GiB", 1.0 / (1 << 20)}
)

// memUnitFor chooses the unit for sizes around kib KiB: the largest in
// which they are at least 1.
func memUnitFor(kib float64) memUnit {
	switch {
	case kib >= 1<<20:
		return unitGiB
	case kib >= 1<<10:
		return unitMiB
	}
	return unitKiB
}

// number formats kib in u without the unit: KiB as a whole number when
// it is one, else to a tenth; MiB and GiB to a hundredth, which keeps
// the precision of a few KiB up to some GiB.
func (u memUnit) number(kib float64) string {
	v := kib * u.perKiB
	switch {
	case u != unitKiB:
		return strconv.FormatFloat(v, 'f', 2, 64)
	case v == math.Trunc(v):
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}

func (u memUnit) format(kib float64) string { return u.number(kib) + " " + u.name }

// memString shows a measured size in the unit that suits it.
func memString(kib uint64) string { return memUnitFor(float64(kib)).format(float64(kib)) }

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func orNA(s string) string {
	if s == "" {
		return notAvailable
	}
	return s
}

// energyMissing says why a run has no energy figure: the library reads
// the Linux RAPL counters under root (powercap), and nothing elsewhere.
func energyMissing(goos, root string) string {
	if goos != "linux" && goos != "android" {
		return "no energy counters are read on " + goos
	}
	zones, _ := filepath.Glob(filepath.Join(root, "intel-rapl:*", "energy_uj"))
	if len(zones) == 0 {
		return "no RAPL energy counters under " + root + " on this machine"
	}
	if f, err := os.Open(zones[0]); err != nil {
		return "the RAPL energy counters are not readable (most kernels let only root read them)"
	} else {
		f.Close()
	}
	return "the RAPL energy counters could not be read"
}
