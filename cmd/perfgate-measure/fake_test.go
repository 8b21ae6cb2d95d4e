package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/perfgate/adapters"
)

// measureWithRunner is perfgate-measure with args, its commands run by
// runner (issue 20, point 11: the CLI holds a ProcessRunner, so that its
// tests can use the library's fakes and know every figure in advance).
func measureWithRunner(t *testing.T, runner adapters.ProcessRunner, args ...string) outcome {
	t.Helper()
	var stdout, stderr bytes.Buffer
	o, code, ok := parseArgs(args, &stdout, &stderr)
	if ok {
		code = measureAll(t.Context(), o, &reportWriter{w: &stdout}, &stderr, runner)
	}
	return outcome{code, stdout.String(), stderr.String()}
}

func TestWithFakeRunner(t *testing.T) {
	t.Parallel()
	argv := []string{"prog", "a"}
	fake := adapters.NewFakeProcessRunner()
	user := uint64(40_000)
	fake.SetResult(argv, adapters.RunResult{Wall: 100 * time.Millisecond, UserCPUUs: &user})
	path := filepath.Join(t.TempDir(), "x.json")
	out := measureWithRunner(t, fake, "-r", "3", "--export-json", path, "--", "prog", "a")
	require.Equal(t, exitOK, out.code, out.stderr)
	assert.Equal(t, 3, fake.CallCount())
	r := readHyperfineExport(t, path)[0]
	assert.Equal(t, []any{0.1, 0.1, 0.1}, r["times"])
	assert.Equal(t, 0.04, r["user"])
	assert.Nil(t, r["system"], "no run had the figure: null, not 0")

	// A failure, its stderr and the hints, known in advance.
	fake.SetResult(argv, adapters.RunResult{Wall: time.Millisecond, ExitCode: 2, Stderr: []byte("boom\n")})
	out = measureWithRunner(t, fake, "-r", "2", "--", "prog", "a")
	assert.Equal(t, exitFailed, out.code)
	assert.Contains(t, out.stderr, "exit status 2\n  boom\n  -i (--ignore-failure) keeps runs")
}

// fakeHooks returns a fake whose hook commands (run through the shell)
// succeed, and a function that lists the argv[0] of every run the fake
// made, with each hook named by its command.
func fakeHooks(names ...string) (*adapters.FakeProcessRunner, func() []string) {
	fake := adapters.NewFakeProcessRunner()
	for _, n := range names {
		fake.SetResult(shellArgv(n), adapters.RunResult{Wall: time.Millisecond})
	}
	return fake, func() []string {
		var seen []string
		for _, spec := range fake.History() {
			seen = append(seen, spec.Argv[len(spec.Argv)-1])
		}
		return seen
	}
}

// The run loop, through bench.Repeat and the fake: the hooks around each
// run in order, -i=1,2 keeping runs that exit 1 or 2 and stopping at 3.
func TestRunLoopHooksAndIgnoredStatuses(t *testing.T) {
	t.Parallel()
	fake, seen := fakeHooks("S", "P", "K", "C")
	fake.SetResults([]string{"prog"}, adapters.FakeExit(0), adapters.FakeExit(2), adapters.FakeExit(1), adapters.FakeExit(0))
	out := measureWithRunner(t, fake, "-w", "1", "-r", "3", "-i=1,2", "-setup", "S", "-prepare", "P",
		"-conclude", "K", "-cleanup", "C", "--", "prog")
	require.Equal(t, exitOK, out.code, out.stderr)
	assert.Equal(t, []string{"S", "P", "prog", "K", "P", "prog", "K", "P", "prog", "K", "P", "prog", "K", "C"}, seen())
	assert.Contains(t, out.stderr, "2 of 3 runs failed")

	fake, seen = fakeHooks("P", "K")
	fake.SetResults([]string{"prog"}, adapters.FakeExit(1), adapters.FakeExit(3))
	out = measureWithRunner(t, fake, "-r", "3", "-i=1,2", "-prepare", "P", "-conclude", "K", "--", "prog")
	assert.Equal(t, exitFailed, out.code)
	assert.Equal(t, []string{"P", "prog", "K", "P", "prog", "K"}, seen(), "the -conclude of a failed run runs before the series stops")
	assert.Contains(t, out.stderr, "run 2/3: command exited unsuccessfully")
	assert.Contains(t, out.stderr, "(not among the exit statuses -i=1,2 ignores)")
	assert.Contains(t, out.stderr, "stopped after run 2/3; no summary")
}

// The automatic count: as many runs as the first run's time, -prepare and
// -conclude included, fits in the budget, known in advance with the fake.
func TestRunLoopAutomaticCount(t *testing.T) {
	t.Parallel()
	fake, seen := fakeHooks("P")
	fake.SetResult([]string{"prog"}, adapters.RunResult{Wall: 99 * time.Millisecond})
	out := measureWithRunner(t, fake, "-time-budget", "1s", "-min-runs", "2", "-prepare", "P", "--", "prog")
	require.Equal(t, exitOK, out.code, out.stderr)
	assert.Len(t, seen(), 2*10, "1 s / (1 ms + 99 ms) = 10 runs, each after its -prepare")

	fake, _ = fakeHooks()
	fake.SetResult([]string{"prog"}, adapters.RunResult{Wall: time.Second})
	out = measureWithRunner(t, fake, "-time-budget", "1s", "-min-runs", "3", "--", "prog")
	require.Equal(t, exitOK, out.code, out.stderr)
	assert.Equal(t, 3, fake.CallCount(), "-min-runs when the budget holds fewer")
}

// A program that cannot start still gets the -conclude of the -prepare
// that ran, and the status says why it did not start.
func TestRunLoopConcludeAfterStartFailure(t *testing.T) {
	t.Parallel()
	fake, seen := fakeHooks("P", "K", "C")
	fake.SetResult([]string{"prog"}, adapters.FakeNotFound([]string{"prog"}))
	out := measureWithRunner(t, fake, "-r", "2", "-prepare", "P", "-conclude", "K", "-cleanup", "C", "--", "prog")
	assert.Equal(t, exitNotFound, out.code, out.stderr)
	assert.Equal(t, []string{"P", "prog", "K", "C"}, seen())
	assert.Contains(t, out.stderr, "run 1/2: ")
}

// Once a signal ended the run (any of them, not SIGINT alone), neither
// its -conclude nor the -cleanup runs, and the interruption is reported
// once. Before, a SIGTERM or SIGHUP (an exit status other than 130) ran
// both with the ended context and reported each as interrupted too.
func TestRunLoopInterruptedRunsNoMoreHooks(t *testing.T) {
	t.Parallel()
	fake, seen := fakeHooks("S", "P", "K", "C")
	ctx, cancel := context.WithCancelCause(t.Context())
	defer cancel(nil)
	fake.SetFunc([]string{"prog"}, func(ctx context.Context, spec adapters.CommandSpec) (adapters.RunResult, error) {
		cancel(interruption{syscall.SIGTERM})
		err := &adapters.AdapterError{Kind: adapters.KindKilled, Command: "prog", Err: context.Cause(ctx)}
		return adapters.RunResult{ExitCode: -1}, err
	})
	var stdout, stderr bytes.Buffer
	o, code, ok := parseArgs([]string{"-r", "2", "-setup", "S", "-prepare", "P", "-conclude", "K", "-cleanup", "C", "--", "prog"}, &stdout, &stderr)
	require.True(t, ok, code)
	code = measureAll(ctx, o, &reportWriter{w: &stdout}, &stderr, fake)
	assert.Equal(t, exitTerminated, code)
	assert.Equal(t, []string{"S", "P", "prog"}, seen())
	assert.Equal(t, 1, strings.Count(stderr.String(), "interrupted"), stderr.String())
	assert.Contains(t, stderr.String(), "interrupted ("+syscall.SIGTERM.String()+" signal received) during run 1/2, which is not reported")
}
