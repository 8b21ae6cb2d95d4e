package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// hyperfine's JSON export, as src/benchmark/benchmark_result.rs and
// src/export/json.rs in sharkdp/hyperfine define it: {"results": [...]},
// each result with these keys, times in seconds. serde writes an Option
// without skip_serializing_if as null (stddev), and leaves out times and
// memory_usage_byte when None and parameters when empty.
var hyperfineRequired = []string{"command", "mean", "stddev", "median", "user", "system", "min", "max", "times", "exit_codes"}

// readHyperfineExport reads an -export-json file as hyperfine's analysis
// scripts do (json.load(f)["results"]), checking each result against
// hyperfine's shape: key by key, the JSON type hyperfine writes.
func readHyperfineExport(t *testing.T, path string) []map[string]any {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var doc map[string]any
	require.NoError(t, json.Unmarshal(data, &doc))
	list, ok := doc["results"].([]any)
	require.True(t, ok, "results is a list: %v", doc["results"])
	results := make([]map[string]any, len(list))
	for i, v := range list {
		r, ok := v.(map[string]any)
		require.True(t, ok, "result %d is an object", i)
		checkHyperfineResult(t, i, r)
		results[i] = r
	}
	return results
}

// checkHyperfineResult checks result i of an export against hyperfine's
// shape, key by key, and its statistics against its times.
func checkHyperfineResult(t *testing.T, i int, r map[string]any) {
	t.Helper()
	for _, key := range hyperfineRequired {
		require.Contains(t, r, key, "result %d", i)
	}
	assert.IsType(t, "", r["command"])
	for _, key := range []string{"mean", "median", "min", "max"} {
		assert.IsType(t, 0.0, r[key], "%s, a number of seconds", key)
	}
	// user and system are numbers, or null where no run had the
	// figure (this program's one departure: never 0 for unknown).
	for _, key := range []string{"user", "system"} {
		if r[key] != nil {
			assert.IsType(t, 0.0, r[key], "%s, a number of seconds", key)
		}
	}
	times := numbers(t, r["times"])
	if len(times) > 1 {
		assert.IsType(t, 0.0, r["stddev"])
	} else {
		assert.Nil(t, r["stddev"], "one run has no deviation: null, as hyperfine")
	}
	codes, ok := r["exit_codes"].([]any)
	require.True(t, ok, "exit_codes is a list")
	assert.Len(t, codes, len(times))
	for _, c := range codes {
		if c != nil {
			n := c.(float64)
			assert.Equal(t, math.Trunc(n), n, "an integer exit code or null")
		}
	}
	if mem, ok := r["memory_usage_byte"]; ok {
		bytes := numbers(t, mem)
		assert.Len(t, bytes, len(times))
		for _, b := range bytes {
			assert.Positive(t, b)
			assert.Equal(t, math.Trunc(b), b, "whole bytes")
		}
	}
	if params, ok := r["parameters"]; ok {
		for name, v := range params.(map[string]any) {
			assert.IsType(t, "", v, "parameter %s is a string, as hyperfine writes it", name)
		}
	}
	// The statistics are those of times, as in hyperfine.
	sum, lo, hi := 0.0, math.Inf(1), math.Inf(-1)
	for _, x := range times {
		sum, lo, hi = sum+x, min(lo, x), max(hi, x)
	}
	assert.InDelta(t, sum/float64(len(times)), r["mean"], 1e-9)
	assert.InDelta(t, lo, r["min"], 1e-12)
	assert.InDelta(t, hi, r["max"], 1e-12)
}

// numbers is a JSON list of numbers.
func numbers(t *testing.T, v any) []float64 {
	t.Helper()
	list, ok := v.([]any)
	require.True(t, ok, "a list: %v", v)
	out := make([]float64, len(list))
	for i, x := range list {
		f, ok := x.(float64)
		require.True(t, ok, "a number: %v", x)
		out[i] = f
	}
	return out
}

// Two commands: what plot_whisker, plot_histogram, plot_progression,
// plot_benchmark_comparison, advanced_statistics and welch_ttest read.
func TestExportJSONIsHyperfines(t *testing.T) {
	t.Parallel()
	requireRunner(t)
	path := filepath.Join(t.TempDir(), "x.json")
	exit0, exit3 := helperCommand(t, "exit", "0"), helperCommand(t, "exit", "3")
	out := measure(t, append(doHelpers, "-shell", "-repeat", "3", "-i", "-export-json", path, exit0, exit3)...)
	require.Equal(t, exitOK, out.code, out.stderr)
	results := readHyperfineExport(t, path)
	require.Len(t, results, 2)
	for i, want := range []string{exit0, exit3} {
		r := results[i]
		assert.Equal(t, want, r["command"])
		assert.Len(t, r["times"], 3)
		assert.Equal(t, []any{float64(i * 3), float64(i * 3), float64(i * 3)}, r["exit_codes"])
		assert.NotContains(t, r, "parameters", "left out when empty, as hyperfine")
		// This program's own keys beside hyperfine's.
		assert.Equal(t, want, r["name"])
		argv := []any{}
		for _, w := range shellArgv(want) {
			argv = append(argv, w)
		}
		assert.Equal(t, argv, r["argv"])
		assert.Len(t, r["runs"], 3)
		assert.Contains(t, r, "summary")
	}
	// One run: stddev null.
	out = measure(t, append(doHelpers, "-shell", "-export-json", path, exit0)...)
	require.Equal(t, exitOK, out.code, out.stderr)
	require.Len(t, readHyperfineExport(t, path), 1)
}

// A parameter scan: what plot_parametrized reads, each result's one
// parameter a string that float() reads, and hyperfine's "command"
// without the parameter the command does not use.
func TestExportJSONParameterScanIsHyperfines(t *testing.T) {
	t.Parallel()
	requireRunner(t)
	path := filepath.Join(t.TempDir(), "x.json")
	exit0 := helperCommand(t, "exit", "0")
	out := measure(t, append(doHelpers, "-shell", "-repeat", "2", "-parameter-scan", "n", "1", "3", "-export-json", path, exit0)...)
	require.Equal(t, exitOK, out.code, out.stderr)
	results := readHyperfineExport(t, path)
	require.Len(t, results, 3)
	for i, r := range results {
		assert.Equal(t, exit0, r["command"])
		assert.Equal(t, exit0+" (n = "+strconv.Itoa(i+1)+")", r["name"])
		assert.Equal(t, map[string]any{"n": strconv.Itoa(i + 1)}, r["parameters"])
	}
}

// memory_usage_byte holds each run's true peak, in bytes, when every run
// had one; a withheld peak is never written there.
func TestExportJSONMemoryUsage(t *testing.T) {
	t.Parallel()
	requireRunner(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "x.json")
	out := measure(t, helperArgs(t, "alloc", []string{"-repeat", "2", "-export-json", path}, "64")...)
	require.Equal(t, exitOK, out.code, out.stderr)
	r := readHyperfineExport(t, path)[0]
	runs := r["runs"].([]any)
	if runtime.GOOS == "linux" {
		require.Contains(t, r, "memory_usage_byte", "a 64 MiB peak is above the spawner's floor")
	}
	if mem, ok := r["memory_usage_byte"]; ok {
		for i, b := range numbers(t, mem) {
			kib := runs[i].(map[string]any)["max_rss_kb"].(float64)
			assert.Equal(t, kib*1024, b)
			assert.Greater(t, b, float64(64<<20))
		}
	}

	// /bin/true's peak: through the spawner, measured and written in
	// bytes; spawned directly, below this process's floor and withheld:
	// the key is left out, not filled with the bound.
	if runtime.GOOS == "linux" {
		trueProg := unixTool(t, "true", "the test is of /bin/true's own peak memory, through the spawner and directly")
		for _, direct := range []bool{false, true} {
			out = measure(t, "-spawner="+strconv.FormatBool(!direct), "-repeat", "2", "-export-json", path, "--", trueProg)
			require.Equal(t, exitOK, out.code, out.stderr)
			r = readHyperfineExport(t, path)[0]
			run := r["runs"].([]any)[0].(map[string]any)
			kib, measured := run["max_rss_kb"]
			if direct {
				assert.False(t, measured, "directly: withheld")
				assert.NotContains(t, r, "memory_usage_byte")
				continue
			}
			require.True(t, measured, "through the spawner: /bin/true's own peak")
			assert.Equal(t, kib.(float64)*1024, numbers(t, r["memory_usage_byte"])[0])
		}
	}
}

// The Markdown table leaves out a column no command has a figure for: the
// peak memory of sh spawned directly, below this process's floor, was a
// column of n/a headed "Max RSS [GiB]".
func TestMarkdownLeavesOutEmptyColumns(t *testing.T) {
	t.Parallel()
	unixTool(t, "sh", "the test is of sh's peak memory, below this process's floor, spawned directly")
	dir := t.TempDir()
	md, js := filepath.Join(dir, "x.md"), filepath.Join(dir, "x.json")
	out := measure(t, "-r", "2", "-spawner=false", "-shell-correction=false", "--export-markdown", md, "--export-json", js, "exit 0", ":")
	require.Equal(t, exitOK, out.code, out.stderr)
	data, err := os.ReadFile(md)
	require.NoError(t, err)
	measuredPeak := false
	for _, r := range readExported(t, js) {
		for _, run := range r.Runs {
			measuredPeak = measuredPeak || run.MaxRSSKB != nil
		}
	}
	header := strings.SplitN(string(data), "\n", 2)[0]
	assert.Equal(t, measuredPeak, strings.Contains(header, "Max RSS"), header)
	if runtime.GOOS == "linux" {
		assert.False(t, measuredPeak, "sh peaks below this process's floor")
	}
	assert.NotContains(t, string(data), "| n/a |")
	assert.Contains(t, header, "| User [ms] | System [ms] |")
}

// A mean of 0 (once the shell's start-up is subtracted) gives no ratio:
// the Relative column says n/a, not 1.00 for every row.
func TestMarkdownWithoutRatio(t *testing.T) {
	t.Parallel()
	s := measured(t)
	s.results[1].runs = runsWithWalls(0, 0)
	got := string(s.exportMarkdown())
	assert.Contains(t, got, "| `sleep 0.2` | 202.000 ± 2.000 | 202.000 | 200.000 | 204.000 | 20.200 | 10.100 | 1.46 (1 of 3 runs) | n/a |\n")
	assert.Contains(t, got, "| n/a |\n", got)
	assert.NotContains(t, got, "1.00", got)
}
