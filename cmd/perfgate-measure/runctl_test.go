package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Run control as hyperfine has it: -setup, -prepare, -conclude, -cleanup,
// -i, and how many runs.

// doHelpers is the -env flag that makes the helper commands "do" NAME
// ARGS..., as helperCommand and logTo write them: the commands and their
// hooks then run different helpers.
var doHelpers = []string{"-env", helperEnvKey + "=do"}

// logTo returns a shell command appending word to the file at log: the
// helper append, under doHelpers.
func logTo(t *testing.T, log, word string) string {
	t.Helper()
	return helperCommand(t, "append", log, word)
}

// readLog returns the lines of log, joined by spaces ("" when missing).
func readLog(t *testing.T, log string) string {
	t.Helper()
	b, err := os.ReadFile(log)
	if os.IsNotExist(err) {
		return ""
	}
	require.NoError(t, err)
	return strings.Join(strings.Fields(string(b)), " ")
}

func TestHooksOrder(t *testing.T) {
	t.Parallel()
	requireRunner(t)
	log := filepath.Join(t.TempDir(), "log")
	out := measure(t, helperArgs(t, "do", []string{"-setup", logTo(t, log, "setup"), "-prepare", logTo(t, log, "prepare"),
		"-conclude", logTo(t, log, "conclude"), "-cleanup", logTo(t, log, "cleanup"),
		"-warmup", "1", "-repeat", "2"}, "append", log, "run")...)
	require.Equal(t, exitOK, out.code, out.stderr)
	assert.Empty(t, out.stderr)
	assert.Equal(t, "setup prepare run conclude prepare run conclude prepare run conclude cleanup", readLog(t, log),
		"one warm-up and two measured runs, each between its prepare and conclude")
	assert.Contains(t, out.stdout, "summary of 2 runs")
	assert.NotContains(t, out.stdout, "prepare", "the hooks' output is not shown")
}

// One -prepare per command, in order; -setup and -cleanup once per command.
func TestHooksPerCommand(t *testing.T) {
	t.Parallel()
	requireRunner(t)
	log := filepath.Join(t.TempDir(), "log")
	out := measure(t, append(doHelpers, "-shell", "-prepare", logTo(t, log, "p1"), "-prepare", logTo(t, log, "p2"),
		"-conclude", logTo(t, log, "c"), "-setup", logTo(t, log, "s"), "-cleanup", logTo(t, log, "z"),
		"-repeat", "2", logTo(t, log, "a"), logTo(t, log, "b"))...)
	require.Equal(t, exitOK, out.code, out.stderr)
	assert.Equal(t, "s p1 a c p1 a c z s p2 b c p2 b c z", readLog(t, log))
}

// A failing hook stops everything with status 1, saying which hook, after
// what, its status and what it wrote; -cleanup still runs once -setup has.
func TestHookFailures(t *testing.T) {
	t.Parallel()
	requireRunner(t)
	log := filepath.Join(t.TempDir(), "log")
	cleanup := []string{"-cleanup", logTo(t, log, "cleanup")}
	// The hooks' command strings, and what the error shows of them.
	stderr3, exit4, exit5, exit6 := helperCommand(t, "stderr-lines", "1", "3"), helperCommand(t, "exit", "4"),
		helperCommand(t, "exit", "5"), helperCommand(t, "exit", "6")
	sleep := helperCommand(t, "sleep", "1h")
	argv := func(command string) string { return fmt.Sprint(shellArgv(command)) }
	for _, tc := range []struct {
		flags            []string
		wantErr, wantLog string
	}{
		{[]string{"-prepare", stderr3},
			"-prepare command before run 1/2 failed: command exited unsuccessfully: " + argv(stderr3) + ": " +
				"exit status 3\n  line 1\n", "cleanup"},
		{[]string{"-conclude", exit4, "-warmup", "1"},
			"-conclude command after warm-up run 1/1 failed: command exited unsuccessfully: " + argv(exit4) + ": exit status 4\n",
			"run cleanup"},
		{[]string{"-setup", exit5},
			"-setup command failed: command exited unsuccessfully: " + argv(exit5) + ": exit status 5\n", ""},
		{[]string{"-cleanup", exit6},
			"-cleanup command failed: command exited unsuccessfully: " + argv(exit6) + ": exit status 6\n", "run run"},
		// The -timeout is every hook's and command's: the -cleanup, which
		// must log, gets far more time than it takes however loaded the
		// machine, and the -prepare sleeps far longer.
		{[]string{"-prepare", sleep, "-timeout", "10s"},
			"-prepare command before run 1/2 failed: command timed out: " + argv(sleep) + ": killed after ", "cleanup"},
	} {
		os.Remove(log)
		// No shell start-up measurement: under load a start-up run could
		// pass the -timeout of the last case before any hook runs.
		args := append(append(append(append([]string{}, doHelpers...), cleanup...), tc.flags...), "-repeat", "2", "-shell", "-shell-correction=false", logTo(t, log, "run"))
		out := measure(t, args...)
		assert.Equal(t, exitFailed, out.code, "%v", tc.flags)
		assert.NotContains(t, out.stdout, "summary", "%v", tc.flags)
		assert.True(t, strings.HasPrefix(out.stderr, "perfgate-measure: "+tc.wantErr), "%v: %s", tc.flags, out.stderr)
		assert.Equal(t, tc.wantLog, readLog(t, log), "%v", tc.flags)
	}
}

// The helper flip-flop exits 0 on its first, third, ... run and 1 on the
// others, counting its runs in the file it is given.
func TestIgnoreFailure(t *testing.T) {
	t.Parallel()
	requireRunner(t)
	for _, flag := range []string{"-i", "-ignore-failure", "-i=1,2"} {
		count := filepath.Join(t.TempDir(), "count")
		out := measure(t, helperArgs(t, "flip-flop", []string{flag, "-warmup", "1", "-repeat", "4"}, count)...)
		require.Equal(t, exitOK, out.code, "%s: %s", flag, out.stderr)
		assert.Equal(t, "x x x x x", readLog(t, count), flag)
		// The warm-up run exits 0 and the measured ones 1, 0, 1, 0.
		// Run 2 has no exit column: its line ends with the peak memory,
		// which Wine may read as n/a (see underWine).
		assert.Regexp(t, `\n  run 1/4  wall .*  exit 1\n  run 2/4  wall [^\n]*(B|max rss n/a)\n  run 3/4  wall .*  exit 1\n`, out.stdout)
		assert.Contains(t, out.stdout, "summary of 4 runs")
		// After the summary's own warning, if four runs on a loaded machine
		// hold outliers.
		assert.Regexp(t, `^(perfgate-measure: warning: (statistical outliers|the first run)[^\n]*\n)?`+
			`perfgate-measure: warning: 2 of 4 runs failed \(non-zero exit status or killed by a signal\) `+
			`and were ignored \(-i\); the figures include them\n$`, out.stderr, flag)
	}

	// Without -i, or with other statuses, the run exiting 1 stops all.
	for _, flags := range [][]string{{}, {"-i=2,3"}, {"-i=false"}} {
		count := filepath.Join(t.TempDir(), "count")
		out := measure(t, helperArgs(t, "flip-flop", append(flags, "-warmup", "1", "-repeat", "4"), count)...)
		assert.Equal(t, exitFailed, out.code, "%v", flags)
		assert.Equal(t, "x x", readLog(t, count), "%v", flags)
		assert.Contains(t, out.stderr, "perfgate-measure: run 1/4: command exited unsuccessfully", "%v", flags)
	}
}

// -i covers a run killed by a signal (as hyperfine's), except with a list
// of statuses; never a run that timed out, nor one that cannot start.
func TestIgnoreFailureLimits(t *testing.T) {
	t.Parallel()
	requireRunner(t)
	t.Run("signal", func(t *testing.T) {
		t.Parallel()
		requireSignals(t)
		out := measure(t, helperArgs(t, "kill-self", []string{"-i", "-repeat", "2"})...)
		require.Equal(t, exitOK, out.code, out.stderr)
		assert.Equal(t, 2, strings.Count(out.stdout, "signal 9"), out.stdout)
		assert.Contains(t, out.stderr, "warning: 2 of 2 runs failed")

		out = measure(t, helperArgs(t, "kill-self", []string{"-i=137", "-repeat", "2"})...)
		assert.Equal(t, exitFailed, out.code)
		assert.Contains(t, out.stderr, "terminated by signal 9 (killed) (not among the exit statuses -i=137 ignores)\n")
	})

	out := measure(t, helperArgs(t, "sleep", []string{"-i", "-timeout", "50ms", "-repeat", "2"}, "1h")...)
	assert.Equal(t, exitFailed, out.code)
	assert.Contains(t, out.stderr, " (-i does not ignore a run that timed out: its wall time is the limit, not the command's)\n")
	assert.Contains(t, out.stdout, "run 1/2")
	assert.NotContains(t, out.stdout, "run 2/2")

	out = measure(t, "-i", "-repeat", "2", "--", filepath.Join(t.TempDir(), "missing"))
	assert.NotEqual(t, exitOK, out.code, "a command that cannot start is not ignored")
	assert.Empty(t, out.stdout)
	assert.Contains(t, out.stderr, "run 1/2: ")
}

// runsOf returns the run numbers of the -json lines in out, as "1/5"
// would be 1, failing unless they are 1..n in order.
func runsOf(t *testing.T, out string) int {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	for i, line := range lines {
		keys, _ := decodeRunLine(t, line)
		require.Equal(t, i+1, keys.Run)
	}
	return len(lines)
}

func TestRunCounts(t *testing.T) {
	t.Parallel()
	requireRunner(t)
	for _, tc := range []struct {
		flags []string
		want  int
	}{
		{[]string{"-runs", "3"}, 3},
		{[]string{"-runs", "3", "-repeat", "3"}, 3},
		// A budget far above 5 runs of the helper, however loaded the
		// machine: the maximum.
		{[]string{"-min-runs", "3", "-max-runs", "5", "-time-budget", "1h"}, 5},
		// A budget smaller than one run: the minimum.
		{[]string{"-min-runs", "3", "-time-budget", "1ns"}, 3},
		{[]string{"-runs", "auto", "-time-budget", "1ns"}, defaultMinRuns},
		// An implicit minimum yields to a lower maximum, as in hyperfine.
		{[]string{"-max-runs", "4", "-time-budget", "1ns"}, 4},
	} {
		out := measure(t, helperArgs(t, "exit", append(tc.flags, "-json"), "0")...)
		require.Equal(t, exitOK, out.code, "%v: %s", tc.flags, out.stderr)
		assert.Equal(t, tc.want, runsOf(t, out.stdout), "%v", tc.flags)
	}

	// The labels give the count once known, from the first run on (an
	// automatic count shows the runs with -verbose only).
	out := measure(t, helperArgs(t, "exit", []string{"-verbose", "-min-runs", "2", "-max-runs", "3", "-time-budget", "1h"}, "0")...)
	require.Equal(t, exitOK, out.code, out.stderr)
	assert.Regexp(t, `^command: .*\n  run 1/3  wall .*\n  run 2/3  wall .*\n  run 3/3  wall .*\n\nsummary of 3 runs: `, out.stdout)
}

// The first run's time counts its -prepare and -conclude, as hyperfine's
// does: with a prepare of 300 ms, a 1 s budget holds at most 3 runs
// (load makes them slower, so fewer), not the 50 that true alone fits.
func TestRunCountsIncludeHooks(t *testing.T) {
	t.Parallel()
	requireRunner(t)
	out := measure(t, helperArgs(t, "do", []string{"-json", "-prepare", helperCommand(t, "sleep", "300ms"),
		"-time-budget", "1s", "-min-runs", "1", "-max-runs", "50"}, "exit", "0")...)
	require.Equal(t, exitOK, out.code, out.stderr)
	n := runsOf(t, out.stdout)
	assert.GreaterOrEqual(t, n, 1)
	assert.LessOrEqual(t, n, 3)
}

func TestRunControlUsageErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-runs", "3", "-repeat", "4"}, "-runs 3 and -repeat 4 disagree"},
		{[]string{"-runs", "0"}, "-runs must be at least 1, not 0"},
		{[]string{"-runs", "many"}, `-runs wants a number of runs or auto, not "many"`},
		{[]string{"-runs", "3", "-min-runs", "2"}, "a fixed number of runs (-runs n, -repeat n) cannot go with -runs auto, -min-runs, -max-runs or -time-budget"},
		{[]string{"-repeat", "3", "-runs", "auto"}, "a fixed number of runs (-runs n, -repeat n) cannot go with -runs auto, -min-runs, -max-runs or -time-budget"},
		{[]string{"-min-runs", "5", "-max-runs", "3"}, "-min-runs 5 is more than -max-runs 3"},
		{[]string{"-min-runs", "0"}, "-min-runs must be at least 1, not 0"},
		{[]string{"-max-runs", "-1"}, "-max-runs must be at least 1, not -1"},
		{[]string{"-time-budget", "0s"}, "-time-budget must be positive, not 0s"},
		{[]string{"-prepare", "a", "-prepare", "b"}, "2 -prepare flags for 1 commands: give one for all commands or one per command"},
		{[]string{"-conclude", " "}, "empty -conclude command"},
		{[]string{"-setup", ""}, "empty -setup command"},
		{[]string{"-i=x"}, `invalid boolean value "x" for -i: want true, false, all-non-zero or a list of non-zero exit statuses such as 1,2`},
	} {
		out := measure(t, append(tc.args, "--", "true")...)
		assert.Equal(t, exitUsage, out.code, "%v", tc.args)
		assert.Empty(t, out.stdout)
		assert.Equal(t, "perfgate-measure: "+tc.want+"\n"+
			"usage: perfgate-measure [flags] 'command'... | -- prog [args...]  (see -help)\n", out.stderr, "%v", tc.args)
	}
	// Three commands take one -prepare, or three.
	out := measure(t, "-shell", "-prepare", "a", "-prepare", "b", "true", "true", "true")
	assert.Equal(t, exitUsage, out.code)
	assert.True(t, regexp.MustCompile(`^perfgate-measure: 2 -prepare flags for 3 commands`).MatchString(out.stderr), out.stderr)
}

// -help describes the run-control flags (on stdout or stderr: where -help
// goes is not this test's business).
func TestRunControlHelp(t *testing.T) {
	t.Parallel()
	out := measure(t, "-help")
	assert.Equal(t, exitOK, out.code)
	for _, want := range []string{
		"-prepare command", "-conclude command", "-setup command", "-cleanup command",
		"once for all commands\n    \tor once per command", "\n  -i\t", "-ignore-failure", "-i=1,2",
		"-runs n", "or auto", "-min-runs n", "(default 10, or -max-runs if\n    \tlower)", "-max-runs n",
		"-time-budget duration", "default 3s", "hyperfine's rule",
		"a -setup, -prepare, -conclude or\n       -cleanup command failed",
	} {
		assert.Contains(t, out.stdout+out.stderr, want)
	}
}

// Interrupted during a -prepare: status 130, no run, and no -cleanup (the
// user asked to stop).
func TestInterruptDuringHook(t *testing.T) {
	t.Parallel()
	requireRunner(t)
	dir := t.TempDir()
	ready, log := filepath.Join(dir, "ready"), filepath.Join(dir, "log")
	args := helperArgs(t, "do", []string{"-env", readyEnvKey + "=" + ready,
		"-prepare", helperCommand(t, "ready-sleep", "30s"), "-setup", logTo(t, log, "setup"), "-cleanup", logTo(t, log, "cleanup"),
		"-repeat", "2"}, "ready-sleep", "0s")
	out, started, _ := interruptOnceReady(t, ready, args)
	require.True(t, started, "the -prepare never signalled it runs: %+v", out)
	assert.Equal(t, exitInterrupted, out.code)
	assert.Empty(t, out.stdout)
	assert.Contains(t, out.stderr, "interrupted (interrupt signal received) during -prepare command before run 1/2")
	assert.Equal(t, "setup", readLog(t, log))
}
