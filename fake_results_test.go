package adapters

import (
	"context"
	"errors"
	"io/fs"
	"os/exec"
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
