package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/perfgate/adapters"
	"github.com/perfgate/adapters/bench"
)

// Formatting, on results given as literals: these run on every platform.

func TestRunLine(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	writeRunLine(&b, 3, 12, &adapters.RunResult{Wall: 101234567 * time.Nanosecond, UserCPUUs: u64(512),
		SystemCPUUs: u64(1612), MaxRSSKB: u64(4567)}, "unused", unitMs)
	writeRunLine(&b, 12, 12, &adapters.RunResult{Wall: 2 * time.Second, ExitCode: 3}, "n/a (why)", unitMs)
	sig := 9
	writeRunLine(&b, 1, 1, &adapters.RunResult{Wall: time.Millisecond, ExitCode: -1, Signal: &sig, TimedOut: true}, notAvailable, unitMs)
	writeRunLine(&b, 2, 3, &adapters.RunResult{Wall: 1234567890 * time.Nanosecond, UserCPUUs: u64(1500),
		SystemCPUUs: u64(250000), MaxRSSKB: u64(3 << 20)}, "unused", unitS)
	assert.Equal(t, ""+
		"  run  3/12  wall   101.235 ms  user    0.512 ms  system    1.612 ms  max rss 4.46 MiB\n"+
		"  run 12/12  wall  2000.000 ms  user         n/a  system         n/a  max rss n/a (why)  exit 3\n"+
		"  run 1/1  wall     1.000 ms  user         n/a  system         n/a  max rss n/a  exit -1 (signal 9: "+sigName(9)+") (timed out)\n"+
		"  run 2/3  wall      1.235 s  user     0.002 s  system     0.250 s  max rss 3.00 GiB\n",
		b.String())
}

// runsWithWalls returns runs of the given wall times in milliseconds, with
// user and system CPU times of a tenth and a twentieth of them.
func runsWithWalls(ms ...float64) []runRecord { return recordsOf(resultsWithWalls(ms...)) }

// resultsWithWalls is runsWithWalls as RunResults.
func resultsWithWalls(ms ...float64) []adapters.RunResult {
	runs := make([]adapters.RunResult, len(ms))
	for i, v := range ms {
		runs[i] = adapters.RunResult{Wall: time.Duration(v * 1e6), UserCPUUs: u64(uint64(v * 100)),
			SystemCPUUs: u64(uint64(v * 50))}
	}
	return runs
}

func TestSummaryTable(t *testing.T) {
	t.Parallel()
	results := resultsWithWalls(100, 102, 104)
	results[0].MaxRSSKB, results[2].MaxRSSKB = u64(1000), u64(1003)
	runs := recordsOf(results)
	s := &session{o: options{repeat: 3}, stdout: new(bytes.Buffer), stderr: new(bytes.Buffer)}
	s.benches = []benchmark{{number: 1, label: "sleep 0.1"}}
	s.writeSummary(&measurement{bench: &s.benches[0], runs: runs})
	assert.Equal(t, ""+
		"summary of 3 runs: sleep 0.1\n"+
		"                 mean          σ      median         min          max  runs\n"+
		"  wall     102.000 ms ± 2.000 ms  102.000 ms  100.000 ms … 104.000 ms     3\n"+
		"  user      10.200 ms ± 0.200 ms   10.200 ms   10.000 ms …  10.400 ms     3\n"+
		"  system     5.100 ms ± 0.100 ms    5.100 ms    5.000 ms …   5.200 ms     3\n"+
		"  max rss  1001.5 KiB ±  2.1 KiB  1001.5 KiB    1000 KiB …   1003 KiB     2\n",
		s.stdout.(*bytes.Buffer).String())
	assert.Empty(t, s.stderr.(*bytes.Buffer).String(), "no outliers")

	// From a second and a MiB up, the table reads in s and MiB.
	results = resultsWithWalls(1500, 2500)
	results[0].MaxRSSKB, results[1].MaxRSSKB = u64(10<<10), u64(12<<10)
	s.stdout = new(bytes.Buffer)
	s.writeSummary(&measurement{bench: &s.benches[0], runs: recordsOf(results)})
	assert.Equal(t, ""+
		"\nsummary of 2 runs: sleep 0.1\n"+
		"                mean          σ     median        min         max  runs\n"+
		"  wall       2.000 s ±  0.707 s    2.000 s    1.500 s …   2.500 s     2\n"+
		"  user       0.200 s ±  0.071 s    0.200 s    0.150 s …   0.250 s     2\n"+
		"  system     0.100 s ±  0.035 s    0.100 s    0.075 s …   0.125 s     2\n"+
		"  max rss  11.00 MiB ± 1.41 MiB  11.00 MiB  10.00 MiB … 12.00 MiB     2\n",
		s.stdout.(*bytes.Buffer).String())
}

// A figure no run had keeps its row, saying why, with 0 under "runs".
func TestSummaryTableFigureOfNoRun(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	ms := func(v float64) string { return unitMs.format(v) }
	wall, _ := bench.Summarize([]float64{1, 3})
	writeStatsTable(&b, []summaryRow{
		{label: "wall", st: wall, fmt: ms, fmtF: ms},
		{label: "user", na: notAvailable, fmt: ms, fmtF: ms},
		{label: "max rss", na: "n/a (below this process's own peak of 9876 KiB)", fmt: ms, fmtF: ms},
	}, false)
	assert.Equal(t, ""+
		"               mean          σ    median       min        max  runs\n"+
		"  wall     2.000 ms ± 1.414 ms  2.000 ms  1.000 ms … 3.000 ms     2\n"+
		"  user     n/a                                                    0\n"+
		"  max rss  n/a (below this process's own peak of 9876 KiB)        0\n",
		b.String())
}

func TestSummaryWarnings(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		walls  []float64
		warmup int
		want   string
	}{
		{[]float64{500, 100, 101, 99, 100}, 0, "perfgate-measure: warning: the first run was much slower than the rest " +
			"(500.000 ms); caches may have been filled only after it: use -warmup to fill them before measuring\n"},
		{[]float64{500, 100, 101, 99, 100}, 2, "perfgate-measure: warning: the first run was much slower than the rest " +
			"(500.000 ms); caches may have been filled only after it: try more -warmup runs, or re-run on a quiet " +
			"system in case it was a random outlier\n"},
		{[]float64{100, 500, 101, 99, 100}, 0, "perfgate-measure: warning: statistical outliers were detected; " +
			"consider re-running on a quiet system without interference from other programs; -warmup might help\n"},
		{[]float64{100, 500, 101, 99, 100}, 1, "perfgate-measure: warning: statistical outliers were detected; " +
			"consider re-running on a quiet system without interference from other programs\n"},
		{[]float64{100, 102, 101, 99, 100}, 0, ""},
	} {
		var stderr bytes.Buffer
		s := &session{o: options{repeat: len(tc.walls), warmup: tc.warmup}, stdout: new(bytes.Buffer), stderr: &stderr}
		s.benches = []benchmark{{number: 1, label: "x"}}
		s.writeSummary(&measurement{bench: &s.benches[0], runs: runsWithWalls(tc.walls...)})
		assert.Equal(t, tc.want, stderr.String(), "%v", tc.walls)
	}
}

// measured returns a session that has measured two commands.
func measured(t *testing.T) *session {
	t.Helper()
	s := &session{o: options{repeat: 3}}
	s.benches = []benchmark{
		{number: 1, label: "sleep 0.2", spec: adapters.CommandSpec{Argv: []string{"/bin/sh", "-c", "sleep 0.2"}}},
		{number: 2, label: "a|b", spec: adapters.CommandSpec{Argv: []string{"/bin/sh", "-c", "a|b"}}},
	}
	slow := resultsWithWalls(200, 204, 202)
	slow[1].MaxRSSKB = u64(1500)
	s.results = []measurement{
		{bench: &s.benches[0], runs: recordsOf(slow), warmups: runsWithWalls(300)},
		{bench: &s.benches[1], runs: runsWithWalls(100, 101, 102)},
	}
	return s
}

func TestComparison(t *testing.T) {
	t.Parallel()
	s := measured(t)
	var b bytes.Buffer
	s.stdout = &b
	s.writeComparison()
	// 202/101 = 2, ± 2 × √((2/202)² + (1/101)²) = 0.028
	assert.Equal(t, "comparison\n  a|b ran\n    2.00 ± 0.03 times faster than sleep 0.2\n", b.String())

	b.Reset()
	s.results[0].runs = s.results[0].runs[:1]
	s.writeComparison()
	assert.Equal(t, "\ncomparison\n  a|b ran\n    1.98 times faster than sleep 0.2\n", b.String(),
		"no uncertainty from one run")
}

func TestExportMarkdown(t *testing.T) {
	t.Parallel()
	assert.Equal(t, ""+
		"| Command | Mean [ms] | Median [ms] | Min [ms] | Max [ms] | User [ms] | System [ms] | Max RSS [MiB] | Relative |\n"+
		"|:---|---:|---:|---:|---:|---:|---:|---:|---:|\n"+
		"| `sleep 0.2` | 202.000 ± 2.000 | 202.000 | 200.000 | 204.000 | 20.200 | 10.100 | 1.46 (1 of 3 runs) | 2.00 ± 0.03 |\n"+
		"| `a\\|b` | 101.000 ± 1.000 | 101.000 | 100.000 | 102.000 | 10.100 | 5.050 | n/a | 1.00 |\n",
		string(measured(t).exportMarkdown()))
}

func TestExportCSVRuns(t *testing.T) {
	t.Parallel()
	data, err := measured(t).exportCSVRuns()
	require.NoError(t, err)
	rows, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	require.NoError(t, err)
	require.Len(t, rows, 7, "a header and one row per measured run, warm-ups left out")
	assert.Equal(t, []string{"command", "name", "run", "wall_ms", "user_cpu_ms", "system_cpu_ms", "max_rss_kb",
		"minor_page_faults", "page_faults", "voluntary_ctx_switches", "involuntary_ctx_switches",
		"io_read_bytes", "io_write_bytes", "exit_code"}, rows[0])
	assert.Equal(t, []string{"1", "sleep 0.2", "2", "204", "20.4", "10.2", "1500", "", "", "", "", "", "", "0"}, rows[2])
	assert.Equal(t, []string{"2", "a|b", "3", "102", "10.2", "5.1", "", "", "", "", "", "", "", "0"}, rows[6])
}

// -export-csv is hyperfine's CSV: one row per command, in seconds.
func TestExportCSV(t *testing.T) {
	t.Parallel()
	s := measured(t)
	s.results[1].runs = s.results[1].runs[:1]
	data, err := s.exportCSV()
	require.NoError(t, err)
	assert.Equal(t, ""+
		"command,mean,stddev,median,user,system,min,max\n"+
		"sleep 0.2,0.202,0.002,0.202,0.0202,0.0101,0.2,0.204\n"+
		"a|b,0.1,0,0.1,0.01,0.005,0.1,0.1\n", string(data), "one run: stddev 0, as hyperfine writes it")
}

func TestExportJSON(t *testing.T) {
	t.Parallel()
	s := measured(t)
	s.host = &adapters.HostInfo{OS: "linux", Arch: "x86_64"}
	data, err := s.exportJSON()
	require.NoError(t, err)
	var doc struct {
		Host    adapters.HostInfo
		Results []struct {
			Name          string
			Argv          []string
			Summary       map[string]json.RawMessage
			RelativeSpeed relative `json:"relative_speed"`
			Runs          []adapters.RunResult
			WarmupRuns    []adapters.RunResult `json:"warmup_runs"`
		}
	}
	require.NoError(t, json.Unmarshal(data, &doc))
	assert.Equal(t, "x86_64", doc.Host.Arch)
	require.Len(t, doc.Results, 2)
	r := doc.Results[0]
	assert.Equal(t, "sleep 0.2", r.Name)
	assert.Equal(t, []string{"/bin/sh", "-c", "sleep 0.2"}, r.Argv)
	assert.Equal(t, resultsOf(s.results[0].runs), r.Runs)
	assert.Equal(t, resultsOf(s.results[0].warmups), r.WarmupRuns)
	assert.JSONEq(t, `{"n":3,"mean":202,"stddev":2,"median":202,"min":200,"max":204}`, string(r.Summary["wall_ms"]))
	assert.JSONEq(t, `{"n":1,"mean":1500,"median":1500,"min":1500,"max":1500}`, string(r.Summary["max_rss_kb"]))
	assert.JSONEq(t, `3`, string(r.Summary["runs"]))
	assert.InDelta(t, 2, r.RelativeSpeed.Value, 1e-12)
	assert.False(t, r.RelativeSpeed.Reference)
	assert.True(t, doc.Results[1].RelativeSpeed.Reference)
	assert.Equal(t, []adapters.RunResult{}, doc.Results[1].WarmupRuns)
	assert.JSONEq(t, `{"n":0}`, string(doc.Results[1].Summary["max_rss_kb"]))
	assert.True(t, strings.HasSuffix(string(data), "}\n"))
}
