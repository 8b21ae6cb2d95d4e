package main

import (
	"bytes"
	"encoding/json"
	"io"
	"strconv"

	"github.com/perfgate/adapters"
	"github.com/perfgate/adapters/bench"
)

// writeFiles writes the exports and receipts asked for, once every run
// has succeeded. It returns exitOK, or exitFailed after reporting a file
// that could not be written.
func (s *session) writeFiles() int {
	for _, f := range s.outputFiles() {
		if err := s.writeFile(f.path, f.build); err != nil {
			s.errorf("%s: %v", f.flag, err)
			return exitFailed
		}
	}
	return exitOK
}

// writeFile writes a file whole or not at all (bench.WriteFileWhole: a
// temporary file renamed over it), or into the FIFO or device checkFiles
// opened and held.
func (s *session) writeFile(path string, build func() ([]byte, error)) error {
	data, err := build()
	if err != nil {
		return err
	}
	write := func(w io.Writer) error {
		if s.spill != nil {
			return s.spill.expand(w, data) // the runs' output, one at a time
		}
		_, err := w.Write(data)
		return err
	}
	if f := s.held[path]; f != nil {
		delete(s.held, path)
		err := write(f)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		return err
	}
	return bench.WriteFileWholeFunc(path, write)
}

// exportStats is a figure's summary in -export-json: bench's (median,
// min, max, mean, stddev) with "n", the number of runs that had the
// figure, which bench.Summary does not write; only "n": 0 when none had
// it. A single run's stddev is left out, as hyperfine shows none, where
// perfgate would write 0.
type exportStats struct {
	N int `json:"n"`
	*bench.Summary[float64]
}

func newExportStats(st bench.Summary[float64]) exportStats {
	if st.N == 0 {
		return exportStats{}
	}
	if _, ok := st.SampleStdDev(); !ok {
		st.StdDev = nil
	}
	return exportStats{N: st.N, Summary: &st}
}

// MarshalJSON writes "n" and then the summary's keys in one object: the
// embedded Summary's own MarshalJSON would otherwise be promoted and leave
// "n" out.
func (e exportStats) MarshalJSON() ([]byte, error) {
	head := []byte(`{"n":` + strconv.Itoa(e.N))
	if e.Summary == nil {
		return append(head, '}'), nil
	}
	summary, err := json.Marshal(e.Summary)
	if err != nil {
		return nil, err
	}
	return append(append(head, ','), summary[1:]...), nil
}

type exportSummary struct {
	Runs        int         `json:"runs"`
	WallMs      exportStats `json:"wall_ms"`
	UserCPUMs   exportStats `json:"user_cpu_ms"`
	SystemCPUMs exportStats `json:"system_cpu_ms"`
	MaxRSSKB    exportStats `json:"max_rss_kb"`
}

// exportResult is one benchmark in -export-json: first hyperfine's keys
// (src/benchmark/benchmark_result.rs), with hyperfine's names, types and
// units, so that hyperfine's scripts read the file unchanged; then this
// program's own, which hyperfine lacks.
type exportResult struct {
	// Command is the command as hyperfine names it: -name, else the
	// command string (or argv) with the parameters substituted.
	Command string `json:"command"`
	// Mean, StdDev, Median, Min and Max are the wall time's, in seconds,
	// less the shell's start-up with -shell, as hyperfine's; StdDev is
	// null with one run, as hyperfine writes it.
	Mean   float64  `json:"mean"`
	StdDev *float64 `json:"stddev"`
	Median float64  `json:"median"`
	// User and System are the mean CPU times in seconds (null when no run
	// had the figure, where hyperfine would write 0).
	User   *float64 `json:"user"`
	System *float64 `json:"system"`
	Min    float64  `json:"min"`
	Max    float64  `json:"max"`
	// Times is each measured run's wall time in seconds, as Mean's.
	Times []float64 `json:"times"`
	// MemoryUsageByte is each run's peak resident memory in bytes, only
	// when every run had one: a withheld peak is left out, never written
	// as a guess (see max_rss_at_most_kb in Runs).
	MemoryUsageByte []uint64 `json:"memory_usage_byte,omitempty"`
	// ExitCodes is each run's exit status; null for a run killed by a
	// signal, as hyperfine writes it.
	ExitCodes  []*int            `json:"exit_codes"`
	Parameters map[string]string `json:"parameters,omitempty"`

	// This program's own keys.
	Name          string               `json:"name"`
	Argv          []string             `json:"argv"`
	Summary       exportSummary        `json:"summary"`
	RelativeSpeed *relative            `json:"relative_speed,omitempty"`
	Runs          []adapters.RunResult `json:"runs"`
	WarmupRuns    []adapters.RunResult `json:"warmup_runs"`
}

type exportDoc struct {
	Results      []exportResult     `json:"results"`
	Host         *adapters.HostInfo `json:"host"`
	ShellStartup *shellStartup      `json:"shell_startup,omitempty"`
}

// exportJSON is -export-json: hyperfine's document, results[] in command
// order, each with every run of the command, its summary and, for
// several commands, its speed relative to the fastest.
func (s *session) exportJSON() ([]byte, error) {
	doc := exportDoc{Host: s.host, ShellStartup: s.shellStartupOf(), Results: make([]exportResult, len(s.results))}
	rel, _, ok := relativeSpeeds(s.results, s.o.reference != "")
	for i := range s.results {
		m := &s.results[i]
		r := exportResult{
			Name:       m.bench.label,
			Argv:       m.bench.spec.Argv,
			Parameters: paramMap(m.bench.params),
			Summary: exportSummary{
				Runs:        len(m.runs),
				WallMs:      newExportStats(statsOf(m.runs, m.wallMs)),
				UserCPUMs:   newExportStats(statsOf(m.runs, m.userMs)),
				SystemCPUMs: newExportStats(statsOf(m.runs, m.systemMs)),
				MaxRSSKB:    newExportStats(statsOf(m.runs, maxRSSKiB)),
			},
			Runs:       resultsOf(m.runs),
			WarmupRuns: resultsOf(m.warmups),
		}
		m.hyperfineKeys(&r)
		if ok {
			r.RelativeSpeed = &rel[i]
		}
		doc.Results[i] = r
	}
	return indentedJSON(doc)
}

// hyperfineKeys fills hyperfine's keys of r from m's runs.
func (m *measurement) hyperfineKeys(r *exportResult) {
	r.Command = m.bench.hyperfineName
	wall := statsOf(m.runs, m.wallMs)
	r.Mean, r.Median, r.Min, r.Max = meanOf(wall)/1000, wall.Median/1000, wall.Min/1000, wall.Max/1000
	if sd, ok := wall.SampleStdDev(); ok {
		sd /= 1000
		r.StdDev = &sd
	}
	for _, f := range []struct {
		to  **float64
		get figure
	}{{&r.User, m.userMs}, {&r.System, m.systemMs}} {
		if st := statsOf(m.runs, f.get); st.N > 0 {
			v := meanOf(st) / 1000
			*f.to = &v
		}
	}
	r.Times = make([]float64, len(m.runs))
	r.ExitCodes = make([]*int, len(m.runs))
	r.MemoryUsageByte = make([]uint64, 0, len(m.runs))
	for i := range m.runs {
		rec := &m.runs[i]
		v, _ := m.wallMs(rec)
		r.Times[i] = v / 1000
		if !rec.is(recSignaled) {
			code := rec.exitCode
			r.ExitCodes[i] = &code
		}
		if kib, ok := rec.get(figMaxRSSKB); ok && r.MemoryUsageByte != nil {
			r.MemoryUsageByte = append(r.MemoryUsageByte, kib*1024)
		} else {
			r.MemoryUsageByte = nil
		}
	}
	if len(r.MemoryUsageByte) == 0 {
		r.MemoryUsageByte = nil
	}
}

// indentedJSON is v as indented JSON and a newline, with <, > and & as
// they are: the files are not for HTML.
func indentedJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	err := enc.Encode(v)
	return b.Bytes(), err
}
