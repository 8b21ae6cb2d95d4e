package bench

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/perfgate/adapters"
)

// ErrStop never hides a failure: not from After for a run whose failure
// stops the series, not from a runner's error that wraps it.
func TestRepeatErrStopNeverHidesAFailure(t *testing.T) {
	t.Parallel()
	stopAfter := func(context.Context, Step, *adapters.RunResult) error { return fmt.Errorf("budget: %w", ErrStop) }
	for _, c := range []struct {
		name    string
		result  adapters.RunResult
		opts    Options
		wantErr error
	}{
		{"exit 1", adapters.FakeExit(1), Options{Runs: 3, After: stopAfter}, adapters.ErrNonZeroExit},
		{"SIGSEGV", adapters.FakeSignaled(11), Options{Runs: 3, After: stopAfter}, adapters.ErrNonZeroExit},
		{"timed out under IgnoreFailure", adapters.FakeTimedOut(time.Second), Options{Runs: 3, IgnoreFailure: true, After: stopAfter}, adapters.ErrTimeout},
		{"ignored exit 1 stops cleanly", adapters.FakeExit(1), Options{Runs: 3, IgnoreFailure: true, After: stopAfter}, nil},
		{"success stops cleanly", adapters.RunResult{WallMs: 1}, Options{Runs: 3, After: stopAfter}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, err := Repeat(context.Background(), fakeRunner(c.result), adapters.CommandSpec{Argv: fakeArgv}, c.opts)
			require.Len(t, s.Runs, 1, "After stopped the series after its first run")
			if c.wantErr == nil {
				assert.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, c.wantErr)
			assert.NotErrorIs(t, err, ErrStop, "the failure, not the stop")
			var re *RunError
			require.ErrorAs(t, err, &re)
			assert.Equal(t, Step{Index: 0, Of: 3}, re.Step)
		})
	}

	// A runner's error that wraps ErrStop is an error.
	wrapped := fmt.Errorf("remote runner: %w", ErrStop)
	runner := adapters.RunnerFunc(func(context.Context, adapters.CommandSpec) (adapters.RunResult, error) {
		return adapters.RunResult{ExitCode: -1}, wrapped
	})
	_, err := Repeat(context.Background(), runner, adapters.CommandSpec{Argv: fakeArgv}, Options{Runs: 2})
	require.Error(t, err)
	assert.True(t, errors.Is(err, wrapped))

	// Before's ErrStop, before any run failed, stops cleanly.
	calls := 0
	s, err := Repeat(context.Background(), fakeRunner(adapters.RunResult{WallMs: 1}), adapters.CommandSpec{Argv: fakeArgv},
		Options{Runs: 3, Before: func(_ context.Context, st Step) error {
			calls++
			if st.Index == 1 {
				return ErrStop
			}
			return nil
		}})
	require.NoError(t, err)
	assert.Len(t, s.Runs, 1)
	assert.Equal(t, 2, calls)
}
