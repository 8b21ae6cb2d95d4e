package adapters

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// SetResults gives a series per argv, in order; a call past its end fails.
func TestFakeProcessRunnerSetResults(t *testing.T) {
	ctx := context.Background()
	f := NewFakeProcessRunner()
	argv := []string{"bench"}
	f.SetResults(argv, RunResult{WallMs: 10}, RunResult{Wall: 12 * time.Millisecond}, RunResult{WallMs: 11, ExitCode: 1})
	var walls []uint64
	for range 3 {
		r, err := f.Run(ctx, CommandSpec{Argv: argv})
		require.NoError(t, err)
		walls = append(walls, r.WallMs)
	}
	assert.Equal(t, []uint64{10, 12, 11}, walls, "in order, Wall and WallMs kept consistent")
	r, err := f.Run(ctx, CommandSpec{Argv: argv})
	require.Error(t, err, "past the series")
	assert.ErrorIs(t, err, ErrNotConfigured)
	assert.EqualError(t, err, `fake: no outcome configured: ["bench"]: its 3 results were all returned`)
	assert.False(t, r.Succeeded())

	// A later Set replaces the series, from its start.
	f.SetResults(argv, RunResult{WallMs: 1})
	r, err = f.Run(ctx, CommandSpec{Argv: argv})
	require.NoError(t, err)
	assert.Equal(t, uint64(1), r.WallMs)
	assert.Equal(t, 5, f.CallCount())
}

// SetFunc runs a function per argv, after the fake's own checks, without
// the fake's lock held; RunnerFunc is a ProcessRunner.
func TestFakeProcessRunnerSetFunc(t *testing.T) {
	ctx := context.Background()
	f := NewFakeProcessRunner()
	release := make(chan struct{})
	entered := make(chan struct{})
	f.SetFunc([]string{"slow"}, func(ctx context.Context, spec CommandSpec) (RunResult, error) {
		close(entered)
		<-release
		return RunResult{WallMs: uint64(len(spec.Name))}, nil
	})
	f.SetResult([]string{"fast"}, RunResult{WallMs: 1})

	done := make(chan RunResult)
	go func() {
		r, _ := f.Run(ctx, CommandSpec{Name: "abc", Argv: []string{"slow"}})
		done <- r
	}()
	<-entered
	r, err := f.Run(ctx, CommandSpec{Argv: []string{"fast"}})
	require.NoError(t, err, "another run goes on while the function blocks")
	assert.Equal(t, uint64(1), r.WallMs)
	close(release)
	assert.Equal(t, uint64(3), (<-done).WallMs, "the function saw the spec")

	// The fake's checks come first: the function is not called for them.
	calls := 0
	f.SetFunc([]string{"counted"}, func(context.Context, CommandSpec) (RunResult, error) { calls++; return RunResult{}, nil })
	_, err = f.Run(ctx, CommandSpec{Argv: []string{"counted"}, Timeout: -1})
	require.ErrorIs(t, err, ErrInvalidSpec)
	assert.Zero(t, calls)

	var runner ProcessRunner = RunnerFunc(func(_ context.Context, spec CommandSpec) (RunResult, error) {
		return RunResult{ExitCode: len(spec.Argv)}, nil
	})
	r, err = runner.Run(ctx, CommandSpec{Argv: []string{"a", "b"}})
	require.NoError(t, err)
	assert.Equal(t, 2, r.ExitCode)
}
