package adapters

import (
	"context"
	"errors"
	"io/fs"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// outcome is what a caller can tell of a run apart from its figures: what
// the fake's ready-made results must share with the real runner's.
type outcome struct {
	ExitCode            int
	Signal              *int
	TimedOut, Succeeded bool
	RunErr, ResultErr   string // the error strings
	Kind                ErrorKind
	Reason              string
	NotFound, NotExist  bool // errors.Is exec.ErrNotFound, fs.ErrNotExist
}

func outcomeOf(res RunResult, err error) outcome {
	o := outcome{ExitCode: res.ExitCode, Signal: res.Signal, TimedOut: res.TimedOut, Succeeded: res.Succeeded()}
	if err != nil {
		o.RunErr = err.Error()
	}
	if resErr := res.Err(); resErr != nil {
		o.ResultErr = resErr.Error()
		var ae *AdapterError
		if errors.As(resErr, &ae) {
			o.Kind, o.Reason = ae.Kind, ae.Reason
		}
		o.NotFound, o.NotExist = errors.Is(resErr, exec.ErrNotFound), errors.Is(resErr, fs.ErrNotExist)
	}
	return o
}

// runBoth runs spec on the real runner and on a fake configured with
// fake for spec.Argv, and returns both outcomes.
func runBoth(t *testing.T, spec CommandSpec, fake RunResult) (real, faked outcome) {
	t.Helper()
	real = outcomeOf(StdProcessRunner{}.Run(context.Background(), spec))
	f := NewFakeProcessRunner()
	f.SetResult(spec.Argv, fake)
	return real, outcomeOf(f.Run(context.Background(), spec))
}

// The ready-made failures are shaped as the real runner's results, checked
// against real children.
func TestFakeReadyMadeResultsMatchTheRealRunner(t *testing.T) {
	t.Run("exit", func(t *testing.T) {
		spec := helperSpec("exit", "3")
		real, faked := runBoth(t, spec, FakeExit(3))
		real.ResultErr, faked.ResultErr = "", "" // the fake's Err names no command
		assert.Equal(t, real, faked)
		assert.Equal(t, KindNonZeroExit, faked.Kind)
	})
	t.Run("exit 0", func(t *testing.T) {
		real, faked := runBoth(t, helperSpec("exit", "0"), FakeExit(0))
		assert.Equal(t, real, faked)
		assert.True(t, faked.Succeeded)
	})
	t.Run("timed out", func(t *testing.T) {
		spec := withReadyTimeout(helperSpec("ready-block"))
		real, faked := runBoth(t, spec, FakeTimedOut(spec.Timeout))
		// "killed after 52ms": the real wall is the deadline and a little.
		assert.Regexp(t, `^killed after \d+ms$`, real.Reason)
		assert.Equal(t, "killed after 50ms", faked.Reason)
		real.ResultErr, faked.ResultErr, real.Reason, faked.Reason = "", "", "", ""
		assert.Equal(t, real, faked)
		assert.Equal(t, KindTimeout, faked.Kind)
	})
	t.Run("not in PATH", func(t *testing.T) {
		spec := CommandSpec{Argv: []string{"perfgate-no-such-program", "arg"}}
		real, faked := runBoth(t, spec, FakeNotFound(spec.Argv))
		assert.Equal(t, real, faked)
		assert.True(t, faked.NotFound)
		assert.NotEmpty(t, faked.RunErr, "Run returns the error")
	})
	t.Run("no such path", func(t *testing.T) {
		spec := CommandSpec{Argv: []string{filepath.Join(t.TempDir(), "missing")}}
		real, faked := runBoth(t, spec, FakeNotFound(spec.Argv))
		assert.Equal(t, real, faked)
		assert.True(t, faked.NotExist)
	})
}

// A configured run longer than spec.Timeout times out as a real one does.
func TestFakeHonoursTheSpecTimeout(t *testing.T) {
	f := NewFakeProcessRunner()
	f.SetResult([]string{"slow"}, RunResult{Wall: 5 * time.Second, Stdout: []byte("partial")})
	res, err := f.Run(context.Background(), CommandSpec{Argv: []string{"slow"}, Timeout: time.Second})
	require.NoError(t, err, "a timed-out run is a measurement")
	assert.True(t, res.TimedOut)
	assert.Equal(t, time.Second, res.Wall)
	assert.Equal(t, uint64(1000), res.WallMs)
	assert.Equal(t, FakeTimedOut(time.Second).Signal, res.Signal)
	assert.Equal(t, -1, res.ExitCode)
	assert.Equal(t, "partial", string(res.Stdout), "the rest is kept")
	assert.ErrorIs(t, res.Err(), ErrTimeout)

	res, err = f.Run(context.Background(), CommandSpec{Argv: []string{"slow"}, Timeout: 10 * time.Second})
	require.NoError(t, err)
	assert.True(t, res.Succeeded(), "within the timeout")
}

// A run reaching past the context's deadline, or during which the context
// ended, is killed as by the real runner.
func TestFakeHonoursTheContext(t *testing.T) {
	f := NewFakeProcessRunner()
	f.SetResult([]string{"slow"}, RunResult{Wall: 2 * time.Hour})
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	res, err := f.Run(ctx, CommandSpec{Argv: []string{"slow"}})
	require.ErrorIs(t, err, ErrKilled)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.NotErrorIs(t, err, ErrRunCommand)
	assert.LessOrEqual(t, res.Wall, time.Hour, "killed at the deadline")
	assert.Equal(t, -1, res.ExitCode)
	assert.False(t, res.Succeeded())
	assert.Same(t, err, res.Err())

	// A shorter spec timeout comes first: timed out, no error.
	res, err = f.Run(ctx, CommandSpec{Argv: []string{"slow"}, Timeout: time.Minute})
	require.NoError(t, err)
	assert.True(t, res.TimedOut)

	// The context ends while a function runs.
	f.SetFunc([]string{"cancelled"}, func(ctx context.Context, _ CommandSpec) (RunResult, error) {
		cancel()
		<-ctx.Done()
		return RunResult{Wall: time.Millisecond}, nil
	})
	res, err = f.Run(ctx, CommandSpec{Argv: []string{"cancelled"}})
	require.ErrorIs(t, err, ErrKilled)
	assert.ErrorIs(t, err, context.Canceled)
	assert.False(t, res.Succeeded())
}
