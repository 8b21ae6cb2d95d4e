package bench

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/perfgate/adapters"
)

var fakeArgv = []string{"./bench"}

// fakeRunner returns r for fakeArgv.
func fakeRunner(r adapters.RunResult) *adapters.FakeProcessRunner {
	f := adapters.NewFakeProcessRunner()
	f.SetResult(fakeArgv, r)
	return f
}

// steps records the steps the hooks see, as "before run 1/3".
type steps []string

func (s *steps) options(o Options) Options {
	o.Before = func(_ context.Context, st Step) error { *s = append(*s, "before "+st.String()); return nil }
	o.After = func(_ context.Context, st Step, _ *adapters.RunResult) error {
		*s = append(*s, "after "+st.String())
		return nil
	}
	return o
}

func TestRepeatOrder(t *testing.T) {
	t.Parallel()
	runner := fakeRunner(adapters.RunResult{WallMs: 7})
	var seen steps
	before := time.Now()
	s, err := Repeat(context.Background(), runner, adapters.CommandSpec{Argv: fakeArgv}, seen.options(Options{Warmup: 2, Runs: 2}))
	after := time.Now()
	require.NoError(t, err)
	assert.Equal(t, steps{"before warm-up run 1/2", "after warm-up run 1/2", "before warm-up run 2/2",
		"after warm-up run 2/2", "before run 1/2", "after run 1/2", "before run 2/2", "after run 2/2"}, seen)
	assert.Len(t, s.Warmups, 2)
	assert.Len(t, s.Runs, 2)
	assert.Equal(t, uint64(7), s.Runs[1].WallMs)
	assert.Equal(t, 4, runner.CallCount())
	assert.Equal(t, fakeArgv, s.Spec.Argv)
	assert.False(t, s.Started.Before(before))
	assert.False(t, s.Ended.Before(s.Started))
	assert.False(t, after.Before(s.Ended))
}

func TestRepeatFailures(t *testing.T) {
	t.Parallel()
	spec := adapters.CommandSpec{Argv: fakeArgv}
	exit1 := adapters.RunResult{WallMs: 5, ExitCode: 1}
	for _, c := range []struct {
		name           string
		result         adapters.RunResult
		ignore         bool
		wantErr        error
		warmups, runs  int
		calls, atIndex int
	}{
		{"non-zero exit stops, kept", exit1, false, adapters.ErrNonZeroExit, 1, 0, 1, 0},
		{"-i keeps going", exit1, true, nil, 2, 3, 5, 0},
		{"a signal is a failure", adapters.RunResult{ExitCode: -1, Signal: ptr(9)}, false, adapters.ErrNonZeroExit, 1, 0, 1, 0},
		{"-i ignores a signal", adapters.RunResult{ExitCode: -1, Signal: ptr(9)}, true, nil, 2, 3, 5, 0},
		{"a time-out stops even with -i", adapters.RunResult{ExitCode: -1, TimedOut: true}, true, adapters.ErrTimeout, 1, 0, 1, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			runner := fakeRunner(c.result)
			s, err := Repeat(context.Background(), runner, spec, Options{Warmup: 2, Runs: 3, IgnoreFailure: c.ignore})
			assert.Len(t, s.Warmups, c.warmups)
			assert.Len(t, s.Runs, c.runs)
			assert.Equal(t, c.calls, runner.CallCount())
			if c.wantErr == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, c.wantErr)
			var re *RunError
			require.ErrorAs(t, err, &re)
			assert.Equal(t, Step{Warmup: true, Index: 0, Of: 2}, re.Step)
			// The fake keeps its results as configured: no command line in them.
			assert.Regexp(t, `^warm-up run 1/2: command (exited unsuccessfully: (exit status|terminated)|timed out: killed)`, err.Error())
		})
	}
}

func TestRepeatRunnerError(t *testing.T) {
	t.Parallel()
	runner := adapters.NewFakeProcessRunner()
	runner.SetError(fakeArgv, adapters.ErrRunCommand)
	s, err := Repeat(context.Background(), runner, adapters.CommandSpec{Argv: fakeArgv}, Options{Runs: 3, IgnoreFailure: true})
	require.ErrorIs(t, err, adapters.ErrRunCommand)
	assert.Equal(t, "run 1/3: failed to run command", err.Error())
	assert.Empty(t, s.Runs, "nothing was measured")
}

func TestRepeatHooks(t *testing.T) {
	t.Parallel()
	spec := adapters.CommandSpec{Argv: fakeArgv}
	boom := errors.New("boom")
	runner := fakeRunner(adapters.RunResult{WallMs: 1, Stdout: []byte("big")})
	s, err := Repeat(context.Background(), runner, spec, Options{Runs: 3,
		Before: func(_ context.Context, st Step) error {
			if st.Index == 1 {
				return boom
			}
			return nil
		}})
	require.ErrorIs(t, err, boom)
	assert.Equal(t, "run 2/3: boom", err.Error())
	assert.Len(t, s.Runs, 1)
	assert.Equal(t, 1, runner.CallCount(), "a failed Before runs nothing")

	// After trims what is kept, and ErrStop ends the series cleanly.
	runner = fakeRunner(adapters.RunResult{WallMs: 1, Stdout: []byte("big")})
	s, err = Repeat(context.Background(), runner, spec, Options{Warmup: 1, Runs: 5,
		After: func(_ context.Context, st Step, r *adapters.RunResult) error {
			r.Stdout = nil
			if !st.Warmup && st.Index == 1 {
				return ErrStop
			}
			return nil
		}})
	require.NoError(t, err)
	assert.Len(t, s.Warmups, 1)
	require.Len(t, s.Runs, 2)
	assert.Nil(t, s.Runs[0].Stdout)
	assert.Equal(t, 3, runner.CallCount())
}

// With Discard, After sees every run, in order, and the series keeps
// none: a caller of many runs holds its own small records instead.
func TestRepeatDiscardKeepsNoRun(t *testing.T) {
	t.Parallel()
	runner := adapters.NewFakeProcessRunner()
	runner.SetResults(fakeArgv, adapters.RunResult{WallMs: 1}, adapters.RunResult{WallMs: 2},
		adapters.RunResult{WallMs: 3, Stdout: []byte("big")}, adapters.RunResult{WallMs: 4, ExitCode: 1})
	var seen []string
	s, err := Repeat(context.Background(), runner, adapters.CommandSpec{Argv: fakeArgv}, Options{
		Warmup: 1, Runs: 3, Discard: true,
		After: func(_ context.Context, st Step, r *adapters.RunResult) error {
			seen = append(seen, fmt.Sprintf("%v: %d ms %q", st, r.WallMs, r.Stdout))
			return nil
		}})
	var re *RunError
	require.ErrorAs(t, err, &re, "a failure still stops the series")
	assert.Equal(t, Step{Index: 2, Of: 3}, re.Step)
	assert.Equal(t, []string{`warm-up run 1/1: 1 ms ""`, `run 1/3: 2 ms ""`, `run 2/3: 3 ms "big"`, `run 3/3: 4 ms ""`}, seen)
	assert.Nil(t, s.Warmups)
	assert.Nil(t, s.Runs)
	assert.False(t, s.Ended.Before(s.Started))
}

func TestRepeatBadOptions(t *testing.T) {
	t.Parallel()
	runner := fakeRunner(adapters.RunResult{})
	for _, o := range []Options{{}, {Runs: -1}, {Runs: 1, Warmup: -1}} {
		_, err := Repeat(context.Background(), runner, adapters.CommandSpec{Argv: fakeArgv}, o)
		assert.ErrorContains(t, err, "bench: Repeat needs Runs >= 1 and Warmup >= 0")
	}
	_, err := Repeat(context.Background(), nil, adapters.CommandSpec{Argv: fakeArgv}, Options{Runs: 1})
	assert.EqualError(t, err, "bench: Repeat needs a runner")
	assert.Zero(t, runner.CallCount())
}

// A context cancelled between runs stops the series before the next.
func TestRepeatCancelBetweenRuns(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	runner := fakeRunner(adapters.RunResult{WallMs: 1})
	s, err := Repeat(ctx, runner, adapters.CommandSpec{Argv: fakeArgv}, Options{Runs: 3,
		After: func(context.Context, Step, *adapters.RunResult) error { cancel(); return nil }})
	require.ErrorIs(t, err, context.Canceled)
	require.ErrorIs(t, err, adapters.ErrRunCommand, "the shape of a run not started")
	assert.NotErrorIs(t, err, adapters.ErrKilled)
	assert.Equal(t, "run 2/3: failed to run command: ["+strings.Join(fakeArgv, " ")+"]: not started: context canceled", err.Error())
	assert.Len(t, s.Runs, 1)
	assert.Equal(t, 1, runner.CallCount())
}
