package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/perfgate/adapters"
)

// Runs of real processes: JSON lines, the host, output sizes, the
// summary, warm-up runs, interruption and tree scope.

func TestJSONWithHost(t *testing.T) {
	t.Parallel()
	requireRunner(t)
	out := measure(t, helperArgs(t, "exit", []string{"-json", "-host", "-hostname-hash", "-repeat", "2"}, "0")...)
	require.Equal(t, exitOK, out.code, out.stderr)
	assert.Empty(t, out.stderr)
	lines := jsonLines(t, out.stdout, 3)

	dec := json.NewDecoder(strings.NewReader(lines[0]))
	dec.DisallowUnknownFields()
	var first struct{ Host adapters.HostInfo }
	require.NoError(t, dec.Decode(&first), lines[0])
	assert.True(t, strings.HasPrefix(lines[0], `{"host":{"os":`), lines[0])
	host := first.Host
	assert.Equal(t, adapters.PerfgateOS(runtime.GOOS), host.OS)
	assert.Equal(t, adapters.PerfgateArch(runtime.GOARCH), host.Arch)
	require.NotNil(t, host.CPUCount)
	assert.Positive(t, *host.CPUCount)
	require.NotNil(t, host.HostnameHash)
	assert.Regexp(t, "^[0-9a-f]{64}$", *host.HostnameHash)

	for i, line := range lines[1:] {
		keys, r := decodeRunLine(t, line)
		assert.Equal(t, runKeys{Name: commandLine([]string{helperExe(t), "0"}), Command: 1, Run: i + 1}, keys)
		assert.Equal(t, 0, r.ExitCode)
		assert.Positive(t, r.Wall)
		assert.NotNil(t, r.BinaryBytes)
		assert.Nil(t, r.NetworkPackets)
	}
}

func TestJSONHostWithoutHash(t *testing.T) {
	t.Parallel()
	requireRunner(t)
	out := measure(t, helperArgs(t, "exit", []string{"-json", "-host", "-name", "nothing", "-warmup", "2"}, "0")...)
	require.Equal(t, exitOK, out.code, out.stderr)
	lines := jsonLines(t, out.stdout, 2)
	assert.NotContains(t, lines[0], "hostname_hash")
	var first struct{ Host *adapters.HostInfo }
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &first))
	require.NotNil(t, first.Host)
	assert.Nil(t, first.Host.HostnameHash)
	keys, _ := decodeRunLine(t, lines[1])
	assert.Equal(t, runKeys{Name: "nothing", Command: 1, Run: 1}, keys, "warm-up runs are not printed nor counted")
}

func TestHostTable(t *testing.T) {
	t.Parallel()
	requireRunner(t)
	out := measure(t, helperArgs(t, "exit", []string{"-hostname-hash"}, "0")...)
	require.Equal(t, exitOK, out.code, out.stderr)
	assert.True(t, strings.HasPrefix(out.stdout, "host\n  os            "+adapters.PerfgateOS(runtime.GOOS)+"\n"), out.stdout)
	assert.Regexp(t, `\n  hostname hash [0-9a-f]{64}\n\nrun 1/1: `, out.stdout)
}

func TestOutputSizes(t *testing.T) {
	t.Parallel()
	requireRunner(t)
	for _, tc := range []struct {
		name             string
		flags            []string
		nOut, nErr       int
		keptOut, keptErr int
	}{
		{"small", nil, 5, 3, 5, 3},
		{"default cap", nil, 10000, 0, adapters.DefaultOutputCapBytes, 0},
		{"exactly the cap", []string{"-output-cap", "100"}, 100, 100, 100, 100},
		{"past the cap", []string{"-output-cap", "100"}, 10000, 300, 100, 100},
		{"capture nothing", []string{"-output-cap", "-1"}, 10000, 300, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			flags := append([]string{"-json"}, tc.flags...)
			out := measure(t, helperArgs(t, "write", flags, strconv.Itoa(tc.nOut), strconv.Itoa(tc.nErr))...)
			require.Equal(t, exitOK, out.code, out.stderr)
			r := decodeRun(t, jsonLines(t, out.stdout, 1)[0])
			require.NotNil(t, r.StdoutTotalBytes)
			assert.Equal(t, uint64(tc.nOut), *r.StdoutTotalBytes)
			require.NotNil(t, r.StderrTotalBytes)
			assert.Equal(t, uint64(tc.nErr), *r.StderrTotalBytes)
			assert.Equal(t, strings.Repeat("o", tc.keptOut), string(r.Stdout))
			assert.Equal(t, strings.Repeat("e", tc.keptErr), string(r.Stderr))
			assert.Equal(t, tc.nOut > tc.keptOut, r.StdoutTruncated)
			assert.Equal(t, tc.nErr > tc.keptErr, r.StderrTruncated)
		})
	}
}

func TestOutputSizesInTable(t *testing.T) {
	t.Parallel()
	requireRunner(t)
	out := measure(t, helperArgs(t, "write", []string{"-output-cap", "100", "-show-output"}, "10000", "7")...)
	require.Equal(t, exitOK, out.code, out.stderr)
	assert.Contains(t, out.stdout, "\n  stdout        10000 B (truncated, 100 B kept)\n")
	assert.Contains(t, out.stdout, "\n  stderr        7 B\n")
	assert.True(t, strings.HasSuffix(out.stdout,
		"\n--- stdout (first 100 of 10000 B) ---\n"+strings.Repeat("o", 100)+"\n"+
			"--- stderr (7 B) ---\n"+strings.Repeat("e", 7)+"\n"), out.stdout)
}

func TestShowOutputEnvAndCwd(t *testing.T) {
	t.Parallel()
	requireRunner(t)
	out := measure(t, helperArgs(t, "getenv",
		[]string{"-show-output", "-env", "PM_VALUE=first", "-env", "PM_VALUE=a=b c"}, "PM_VALUE")...)
	require.Equal(t, exitOK, out.code, out.stderr)
	assert.True(t, strings.HasSuffix(out.stdout, "\n--- stdout (6 B) ---\na=b c\n"), out.stdout)

	dir, err := filepath.EvalSymlinks(t.TempDir())
	require.NoError(t, err)
	out = measure(t, helperArgs(t, "pwd", []string{"-show-output", "-cwd", dir})...)
	require.Equal(t, exitOK, out.code, out.stderr)
	assert.True(t, strings.HasSuffix(out.stdout, "---\n"+dir+"\n"), out.stdout)

	out = measure(t, helperArgs(t, "pwd", []string{"-cwd", filepath.Join(dir, "missing")})...)
	assert.Equal(t, exitFailed, out.code)
	assert.Contains(t, out.stderr, "working directory")
}

func TestRepeatAndSummary(t *testing.T) {
	t.Parallel()
	requireRunner(t)
	args := helperArgs(t, "alloc", []string{"-repeat", "3", "-name", "alloc"}, "256")
	out := measure(t, args...)
	require.Equal(t, exitOK, out.code, out.stderr)
	lines := strings.Split(strings.TrimSuffix(out.stdout, "\n"), "\n")
	require.Len(t, lines, 11, out.stdout)
	assert.Equal(t, "command: alloc", lines[0])
	// One time unit for the lines of a command, chosen by its first run;
	// 256 MiB (more under -race) reads in MiB.
	unit := regexp.MustCompile(`wall +\d+\.\d{3} (m?s) `).FindStringSubmatch(lines[1])
	require.Len(t, unit, 2, lines[1])
	ms := `\d+\.\d{3} ` + unit[1]
	peak, mib, peakRuns := `\d+\.\d\d MiB`, `\d+\.\d\d MiB`, "3"
	if underWine() {
		// Wine's K32GetProcessMemoryInfo of an exited process reads zeros
		// (n/a) on some runs and a working set on others.
		peak = `(\d+\.\d\d MiB|n/a)`
	}
	for i, line := range lines[1:4] {
		assert.Regexp(t, fmt.Sprintf(`^  run %d/3  wall +%s  user +%s  system +%s  max rss %s$`, i+1, ms, ms, ms, peak), line)
	}
	assert.Equal(t, "", lines[4])
	assert.Equal(t, "summary of 3 runs: alloc", lines[5])
	assert.Regexp(t, `^ +mean +σ +median +min +max  runs$`, lines[6])
	v := `\d+\.\d{3} m?s`
	for i, label := range []string{"wall", "user", "system"} {
		assert.Regexp(t, fmt.Sprintf(`^  %s +%s ± +%s +%s +%s … +%s +3$`, label, v, v, v, v, v), lines[7+i])
	}
	if underWine() {
		// Some runs with a figure, some without: the count says which.
		assert.Regexp(t, `^  max rss .* +[0-3]$`, lines[10])
	} else {
		assert.Regexp(t, `^  max rss +`+mib+` ± +`+mib+` +`+mib+` +`+mib+` … +`+mib+` +`+peakRuns+`$`, lines[10])
	}

	// -verbose: the full table of every run.
	out = measure(t, helperArgs(t, "alloc", []string{"-repeat", "2", "-verbose"}, "1")...)
	require.Equal(t, exitOK, out.code, out.stderr)
	assert.Equal(t, 2, strings.Count(out.stdout, "\n  page faults   major "), out.stdout)
	assert.Contains(t, out.stdout, "\nrun 2/2: ")
	assert.Contains(t, out.stdout, "\n\nsummary of 2 runs: ")
}

func TestStopsAtFirstFailedRun(t *testing.T) {
	t.Parallel()
	requireRunner(t)
	out := measure(t, helperArgs(t, "exit", []string{"-repeat", "3"}, "3")...)
	assert.Equal(t, exitFailed, out.code)
	assert.Regexp(t, `^command: .*\n  run 1/3  wall .* max rss .*  exit 3\n$`, out.stdout)
	assert.Equal(t, "perfgate-measure: run 1/3: command exited unsuccessfully: ["+helperExe(t)+" 3]: exit status 3\n"+
		"  -i (--ignore-failure) keeps runs that end with a non-zero exit status in the figures\n"+
		"perfgate-measure: stopped after run 1/3; no summary\n", out.stderr)

	out = measure(t, helperArgs(t, "exit", []string{"-json", "-repeat", "3"}, "3")...)
	assert.Equal(t, exitFailed, out.code)
	assert.Equal(t, 3, decodeRun(t, jsonLines(t, out.stdout, 1)[0]).ExitCode)
}

func TestWarmup(t *testing.T) {
	t.Parallel()
	requireRunner(t)
	log := filepath.Join(t.TempDir(), "log")
	out := measure(t, helperArgs(t, "append", []string{"-warmup", "2", "-json"}, log, "x")...)
	require.Equal(t, exitOK, out.code, out.stderr)
	jsonLines(t, out.stdout, 1)
	written, err := os.ReadFile(log)
	require.NoError(t, err)
	assert.Equal(t, "x\nx\nx\n", string(written), "two warm-up runs and one measured run")

	out = measure(t, helperArgs(t, "exit", []string{"-warmup", "1", "-repeat", "2"}, "4")...)
	assert.Equal(t, exitFailed, out.code)
	assert.Empty(t, out.stdout, "warm-up runs are never reported")
	assert.Contains(t, out.stderr, "warm-up run 1/1: command exited unsuccessfully")
	assert.Contains(t, out.stderr, "exit status 4")
}

// interruptOnceReady runs perfgate-measure with args and interrupts it
// once the file ready exists (a helper made it), as SIGINT would. It
// returns the outcome, whether ready appeared, and when it interrupted.
func interruptOnceReady(t *testing.T, ready string, args []string) (outcome, bool, time.Time) {
	t.Helper()
	ctx, cancel := context.WithCancelCause(t.Context())
	defer cancel(nil)
	var out outcome
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		out = runMeasure(t, ctx, args...)
	}()
	started := awaitReadyFile(ready, finished)
	interrupted := time.Now()
	cancel(fmt.Errorf("interrupt signal received"))
	<-finished
	return out, started, interrupted
}

func TestInterrupt(t *testing.T) {
	t.Parallel()
	requireRunner(t)

	// Interrupted once the command of run 1 runs, which it announces.
	ready := filepath.Join(t.TempDir(), "ready")
	args := helperArgs(t, "ready-sleep", []string{"-repeat", "2", "-env", readyEnvKey + "=" + ready}, "30s")
	out, started, interrupted := interruptOnceReady(t, ready, args)
	require.True(t, started, "the command never signalled it runs: %+v", out)
	assert.Less(t, time.Since(interrupted), 5*time.Second, "the command was killed when ctx ended")
	assert.Equal(t, exitInterrupted, out.code)
	assert.Empty(t, out.stdout, "the interrupted run is not reported")
	assert.Contains(t, out.stderr, "interrupted (interrupt signal received) during run 1/2")

	// Interrupted before the run: the command never starts.
	notStarted := filepath.Join(t.TempDir(), "ready")
	ctx, cancel2 := context.WithCancel(t.Context())
	cancel2()
	out = runMeasure(t, ctx, helperArgs(t, "ready-sleep", []string{"-env", readyEnvKey + "=" + notStarted}, "30s")...)
	assert.Equal(t, exitInterrupted, out.code)
	assert.Empty(t, out.stdout)
	assert.NoFileExists(t, notStarted, "the command never ran")
}

// -tree asks for the whole tree: every figure then says which processes it
// covers, in JSON and in the table, whether or not a cgroup could be made
// here (a plain directory as -cgroup-parent forces the fallback).
func TestTreeScope(t *testing.T) {
	t.Parallel()
	requireRunner(t)
	out := measure(t, helperArgs(t, "exit", []string{"-json", "-tree"}, "0")...)
	require.Equal(t, exitOK, out.code, out.stderr)
	r := decodeRun(t, jsonLines(t, out.stdout, 1)[0])
	require.Contains(t, r.Sources, "cpu_ms")

	out = measure(t, helperArgs(t, "exit", []string{"-tree", "-cgroup-parent", t.TempDir()}, "0")...)
	require.Equal(t, exitOK, out.code, out.stderr)
	if runtime.GOOS == "windows" {
		// A job object holds the tree: no cgroup to fall back from. (No
		// peak memory, which Wine may withhold, has no scope either.)
		assert.Regexp(t, `\n  cpu scope     tree \(JobAccounting\)\n(  rss scope     .+\n)?  io scope      .+\n`, out.stdout)
	} else {
		assert.Regexp(t, `\n  cpu scope     process \(wait4\): no cgroup: .+\n`, out.stdout)
	}

	out = measure(t, helperArgs(t, "exit", []string{"-json"}, "0")...)
	assert.NotContains(t, out.stdout, `"sources"`, "process scope keeps perfgate's JSON")
}
