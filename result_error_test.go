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

// helperReadyBlock signals that it runs, then blocks until killed.
func helperReadyBlock([]string) int {
	if err := signalReady(""); err != nil {
		return helperUsage("ready-block: %v", err)
	}
	// Blocked until killed. Not select{}: with no other goroutine the
	// runtime may call that a deadlock and exit 2 (it did under Wine,
	// before the test's cancel came).
	for {
		time.Sleep(time.Hour)
	}
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
