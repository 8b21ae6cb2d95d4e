package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/perfgate/adapters"
	"github.com/perfgate/adapters/bench"
)

// -shell measures each command string through the shell, in order, and
// says which was faster. A helper sleeping 3 s against one exiting at
// once keeps the order certain on a loaded machine (a start-up under Wine
// can take half a second). The shell's start-up is kept: subtracted, the
// fast one's mean could be 0, and no ratio to it.
func TestShellComparison(t *testing.T) {
	t.Parallel()
	requireRunner(t)
	fast := helperCommand(t, "exit", "0")
	out := measure(t, append(doHelpers, "-shell", "-shell-correction=false", "-repeat", "2", "-name", "slow",
		helperCommand(t, "sleep", "3s"), fast)...)
	require.Equal(t, exitOK, out.code, out.stderr)
	blocks := strings.Split(out.stdout, "\n\n")
	require.Len(t, blocks, 5, out.stdout)
	assert.Regexp(t, `^command 1/2: slow\n  run 1/2  wall +\d+\.\d{3} s .*\n  run 2/2  wall `, blocks[0])
	assert.True(t, strings.HasPrefix(blocks[1], "summary of 2 runs: slow\n"), blocks[1])
	assert.Regexp(t, `^command 2/2: `+regexp.QuoteMeta(fast)+`\n  run 1/2  wall `, blocks[2])
	assert.True(t, strings.HasPrefix(blocks[3], "summary of 2 runs: "+fast+"\n"), blocks[3])
	m := regexp.MustCompile(`^comparison\n  ` + regexp.QuoteMeta(fast) + ` ran\n    (\d+\.\d\d) ± (\d+\.\d\d) times faster than slow\n$`).
		FindStringSubmatch(blocks[4])
	require.NotNil(t, m, blocks[4])
	var ratio float64
	fmt.Sscan(m[1], &ratio)
	assert.Greater(t, ratio, 1.0)
}

func TestShellJSON(t *testing.T) {
	t.Parallel()
	requireRunner(t)
	echo := helperCommand(t, "echo", "hi")
	out := measure(t, append(doHelpers, "-shell", "-json", "-warmup", "1", "-repeat", "2", "-name", "one",
		helperCommand(t, "exit", "0"), echo)...)
	require.Equal(t, exitOK, out.code, out.stderr)
	assert.Empty(t, out.stderr)
	lines := jsonLines(t, out.stdout, 4)
	want := []runKeys{{"one", 1, 1, nil}, {"one", 1, 2, nil}, {echo, 2, 1, nil}, {echo, 2, 2, nil}}
	for i, line := range lines {
		keys, r := decodeRunLine(t, line)
		assert.Equal(t, want[i], keys)
		if keys.Command == 2 {
			assert.Equal(t, "hi\n", string(r.Stdout), "run through the shell")
		}
	}
}

// A failing command stops everything, whichever it is.
func TestShellStopsAtFailure(t *testing.T) {
	t.Parallel()
	requireRunner(t)
	exit5 := helperCommand(t, "exit", "5")
	out := measure(t, append(doHelpers, "-shell", "-repeat", "2", exit5, helperCommand(t, "exit", "0"))...)
	assert.Equal(t, exitFailed, out.code)
	assert.NotContains(t, out.stdout, "command 2/2")
	assert.Equal(t, "perfgate-measure: command 1/2 ("+exit5+"), run 1/2: command exited unsuccessfully: "+
		fmt.Sprint(shellArgv(exit5))+": exit status 5\n"+
		"  -i (--ignore-failure) keeps runs that end with a non-zero exit status in the figures\n"+
		"perfgate-measure: stopped after command 1/2 ("+exit5+"), run 1/2; no summary\n", out.stderr)
}

func TestShellArgv(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "c", shellArgv("c")[len(shellArgv("c"))-1])
}

// A first run much slower than the rest gets hyperfine's warning: here the
// first run sleeps 5 s and leaves a file that makes the others return at
// once, far beyond what machine load can blur (a start-up under Wine can
// take half a second). The shell's start-up is kept, so that the fast
// runs draw no warning of their own.
func TestSlowFirstRunWarning(t *testing.T) {
	t.Parallel()
	requireRunner(t)
	marker := filepath.Join(t.TempDir(), "warm")
	out := measure(t, append(doHelpers, "-shell", "-shell-correction=false", "-repeat", "6", helperCommand(t, "slow-first", marker, "5s"))...)
	require.Equal(t, exitOK, out.code, out.stderr)
	// The warning gives the first run in the summary's unit, which the
	// mean of the six runs picks: ms on Linux, s when the fast runs take
	// a Wine start-up of a few hundred ms.
	assert.Regexp(t, `^perfgate-measure: warning: the first run was much slower than the rest \(([5-9]\d{3}\.\d{3} ms|([5-9]|\d\d+)\.\d{3} s)\); `+
		`caches may have been filled only after it: use -warmup to fill them before measuring\n$`, out.stderr)
	// The first run, above a second, sets the lines' unit.
	assert.Regexp(t, `\n  run 1/6  wall +([5-9]|\d\d+)\.\d{3} s  `, out.stdout)
	assert.Regexp(t, `\n  run 2/6  wall +[0-4]\.\d{3} s  `, out.stdout)
}

// -shell subtracts the shell's start-up from the summaries: `:` is then
// close to 0, never below, and the summary in -export-json is exactly
// the mean of each raw run less the start-up, clamped at 0. The runs and
// the receipt keep the raw figures and say what was measured.
func TestShellStartupSubtracted(t *testing.T) {
	t.Parallel()
	unixTool(t, "sh", "the test is of the start-up of /bin/sh -c \"\", measured and subtracted")
	dir := t.TempDir()
	exportPath, receiptPath := filepath.Join(dir, "x.json"), filepath.Join(dir, "r.json")
	out := measure(t, "-shell", "-repeat", "9", "-export-json", exportPath, "-receipt", receiptPath, ":")
	require.Equal(t, exitOK, out.code, out.stderr)
	assert.Regexp(t, `^shell start-up \(/bin/sh -c "", mean of 50 runs\): wall \d+\.\d{3} ms, user \d+\.\d{3} ms, `+
		`system \d+\.\d{3} ms\n  subtracted from each run in the summaries and the comparison \(-shell-correction=false keeps it\)\n\n`,
		out.stdout)

	var doc struct {
		ShellStartup shellStartup `json:"shell_startup"`
		Results      []struct {
			Summary exportSummary        `json:"summary"`
			Runs    []adapters.RunResult `json:"runs"`
		} `json:"results"`
	}
	data, err := os.ReadFile(exportPath)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, &doc))
	st := doc.ShellStartup
	assert.Equal(t, shellArgv(""), st.Command)
	assert.Equal(t, 50, st.Runs)
	assert.Positive(t, st.WallMs)
	require.Len(t, doc.Results, 1)
	res := doc.Results[0]
	require.Len(t, res.Runs, 9)
	assertStartupSubtracted(t, res.Summary, res.Runs, st)
	// The summary is below the raw runs' (st.WallMs is positive): the
	// start-up was taken off. (It asserted a median under 10 ms before,
	// which load can bend.)
	raw := make([]float64, len(res.Runs))
	for i := range res.Runs {
		raw[i] = float64(res.Runs[i].Wall.Nanoseconds()) / 1e6
	}
	rawWall, _ := bench.Summarize(raw)
	assert.Less(t, res.Summary.WallMs.Median, rawWall.Median)
	warning := "a run took less than 5 ms once the shell's start-up was subtracted"
	if res.Summary.WallMs.Min < 5 {
		assert.Contains(t, out.stderr, warning, "hyperfine's warning")
	} else {
		assert.NotContains(t, out.stderr, warning)
	}

	assertReceiptKeepsRawRuns(t, receiptPath, st)
}

// assertStartupSubtracted checks that each of sum's wall, user and system
// summaries is that of runs less the shell's start-up st, clamped at 0.
func assertStartupSubtracted(t *testing.T, sum exportSummary, runs []adapters.RunResult, st shellStartup) {
	t.Helper()
	for _, f := range []struct {
		name string
		sum  exportStats
		raw  func(r *adapters.RunResult) float64
		c    float64
	}{
		{"wall", sum.WallMs, func(r *adapters.RunResult) float64 { return float64(r.Wall.Nanoseconds()) / 1e6 }, st.WallMs},
		{"user", sum.UserCPUMs, func(r *adapters.RunResult) float64 { return float64(*r.UserCPUUs) / 1000 }, st.UserMs},
		{"system", sum.SystemCPUMs, func(r *adapters.RunResult) float64 { return float64(*r.SystemCPUUs) / 1000 }, st.SystemMs},
	} {
		require.NotNil(t, f.sum.Summary, f.name)
		require.NotNil(t, f.sum.Mean, f.name)
		corrected := make([]float64, len(runs))
		for i := range runs {
			corrected[i] = max(f.raw(&runs[i])-f.c, 0)
		}
		want, _ := bench.Summarize(corrected)
		assert.Equal(t, len(corrected), f.sum.N, f.name)
		assert.InDelta(t, *want.Mean, *f.sum.Mean, 1e-9, f.name)
		assert.InDelta(t, want.Median, f.sum.Median, 1e-9, f.name)
		assert.InDelta(t, want.Min, f.sum.Min, 1e-9, f.name)
		assert.GreaterOrEqual(t, f.sum.Min, 0.0, f.name)
	}
}

// assertReceiptKeepsRawRuns checks that the receipt at path holds the
// shell's start-up st without subtracting it: its stats are the raw
// samples'.
func assertReceiptKeepsRawRuns(t *testing.T, path string, st shellStartup) {
	t.Helper()
	receipt, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NoError(t, validateReceipt(t, receipt))
	var r struct {
		ShellStartup shellStartup `json:"shell_startup"`
		Stats        struct {
			WallMs bench.Summary[uint64] `json:"wall_ms"`
		} `json:"stats"`
		Samples []adapters.RunResult `json:"samples"`
	}
	require.NoError(t, json.Unmarshal(receipt, &r))
	assert.Equal(t, st.WallMs, r.ShellStartup.WallMs)
	assert.Contains(t, r.ShellStartup.AppliedTo, "not subtracted here")
	walls := make([]uint64, len(r.Samples))
	for i, s := range r.Samples {
		walls[i] = s.WallMs
	}
	want, _ := bench.Summarize(walls)
	want.N = 0 // not in the receipt
	assert.Equal(t, want, r.Stats.WallMs, "raw samples, raw stats")
}
