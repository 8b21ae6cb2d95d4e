package adapters

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// assertNotASuccess checks a result Run returned with err: it must not
// read as a success, and it carries err.
func assertNotASuccess(t *testing.T, res RunResult, err error) {
	t.Helper()
	require.Error(t, err)
	assert.False(t, res.Succeeded(), "Succeeded")
	assert.Equal(t, -1, res.ExitCode, "ExitCode of a run that never started")
	assert.Same(t, err, res.Err(), "Err returns Run's error")
	assert.Zero(t, res.Wall)
	assert.Nil(t, res.BinaryBytes)
}

// A result returned with an error never reads as a success, on the real
// runner and on the fake.
func TestResultReturnedWithErrorIsNoSuccess(t *testing.T) {
	ctx := context.Background()
	ended, cancel := context.WithCancel(ctx)
	cancel()
	missing := filepath.Join(t.TempDir(), "missing")
	fake := NewFakeProcessRunner()
	fake.SetError([]string{"set-error"}, errors.New("configured"))

	for _, tc := range []struct {
		name   string
		runner ProcessRunner
		ctx    context.Context
		spec   CommandSpec
	}{
		{"missing program", StdProcessRunner{}, ctx, CommandSpec{Argv: []string{missing}}},
		{"program not in PATH", StdProcessRunner{}, ctx, CommandSpec{Argv: []string{"perfgate-no-such-program"}}},
		{"ended context", StdProcessRunner{}, ended, helperSpec("exit", "0")},
		{"invalid spec", StdProcessRunner{}, ctx, CommandSpec{Argv: []string{"x"}, Timeout: -1}},
		{"empty argv", StdProcessRunner{}, ctx, CommandSpec{}},
		{"fake SetError", fake, ctx, CommandSpec{Argv: []string{"set-error"}}},
		{"fake ended context", fake, ended, CommandSpec{Argv: []string{"set-error"}}},
		{"fake invalid spec", fake, ctx, CommandSpec{Argv: []string{"x"}, Timeout: -1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := tc.runner.Run(tc.ctx, tc.spec)
			assertNotASuccess(t, res, err)
		})
	}
}

func init() { registerHelper("ready-block", helperReadyBlock) }

// helperReadyBlock signals that it runs, then blocks until killed.
func helperReadyBlock([]string) int {
	if err := signalReady(""); err != nil {
		return helperUsage("ready-block: %v", err)
	}
	select {}
}

// errors.Is alone tells a run that never started from one the context
// killed from one that timed out, whatever the reason strings say.
func TestRunOutcomesAreToldApartByErrorsIs(t *testing.T) {
	ended, cancel := context.WithCancel(context.Background())
	cancel()
	var runner StdProcessRunner

	_, notStartedErr := runner.Run(ended, helperSpec("exit", "0"))
	require.ErrorIs(t, notStartedErr, ErrRunCommand)
	assert.ErrorIs(t, notStartedErr, context.Canceled)
	assert.NotErrorIs(t, notStartedErr, ErrKilled)

	killed := runCancelledWhenReady(t, runner, helperSpec("ready-block"))
	require.ErrorIs(t, killed.err, ErrKilled)
	assert.ErrorIs(t, killed.err, context.Canceled)
	assert.NotErrorIs(t, killed.err, ErrRunCommand)
	assert.ErrorIs(t, killed.res.Err(), ErrKilled, "the result carries it")
	var ae *AdapterError
	require.ErrorAs(t, killed.err, &ae)
	assert.Equal(t, KindKilled, ae.Kind)

	spec := withReadyTimeout(helperSpec("ready-block"))
	timedOut, err := runner.Run(context.Background(), spec)
	require.NoError(t, err, "a timed-out run is a measurement")
	require.True(t, timedOut.TimedOut)
	assert.ErrorIs(t, timedOut.Err(), ErrTimeout)
	assert.NotErrorIs(t, timedOut.Err(), ErrKilled)
	assert.NotErrorIs(t, timedOut.Err(), ErrRunCommand)
}

// withReadyTimeout gives spec a deadline: ready-block never ends on its own,
// so the deadline is what ends it, however loaded the machine.
func withReadyTimeout(spec CommandSpec) CommandSpec {
	spec.Timeout = 50 * time.Millisecond
	return spec
}

// withoutCommand returns r without the command line a result that did not
// succeed carries for its Err, to compare it with a result built by hand.
func withoutCommand(r RunResult) RunResult {
	r.command = ""
	return r
}
