//go:build unix || windows

package adapters

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// lastOf returns the last of runs: a call whose value is not addressable.
func lastOf(runs ...RunResult) RunResult { return runs[len(runs)-1] }

// The common calls are one expression: Succeeded and Err on a call's
// value, Err with no argv to pass back, and a FakeProcessRunner value as a
// ProcessRunner.
func TestCommonCallsAreOneExpression(t *testing.T) {
	assert.True(t, lastOf(RunResult{ExitCode: 1}, RunResult{}).Succeeded())
	assert.ErrorIs(t, lastOf(RunResult{ExitCode: 3}).Err(), ErrNonZeroExit)

	res, err := StdProcessRunner{}.Run(context.Background(), helperSpec("exit", "3"))
	require.NoError(t, err)
	assert.EqualError(t, res.Err(), "command exited unsuccessfully: ["+helperExe()+" 3]: exit status 3",
		"Err names the command Run ran without being given it")

	f := NewFakeProcessRunner()
	f.SetResult([]string{"x"}, RunResult{WallMs: 7})
	var runner ProcessRunner = *f // a value, not a pointer
	got, err := runner.Run(context.Background(), CommandSpec{Argv: []string{"x"}})
	require.NoError(t, err)
	assert.Equal(t, uint64(7), got.WallMs)
	assert.True(t, f.WasRun([]string{"x"}), "a copy shares the history")
	f.SetResult([]string{"y"}, RunResult{WallMs: 8})
	got, err = runner.Run(context.Background(), CommandSpec{Argv: []string{"y"}})
	require.NoError(t, err)
	assert.Equal(t, uint64(8), got.WallMs, "and the configuration set later")

	// A copy of a zero value made before any configuration says so.
	var zero FakeProcessRunner
	early := ProcessRunner(zero)
	zero.SetResult([]string{"x"}, RunResult{})
	res, err = early.Run(context.Background(), CommandSpec{Argv: []string{"x"}})
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrNotConfigured)
	assert.Contains(t, err.Error(), "copied before it was configured")
	assert.False(t, res.Succeeded())
}
