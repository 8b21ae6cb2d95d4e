package adapters

import (
	"context"
	"io/fs"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"
)

// The ready-made failures of a FakeProcessRunner, shaped as
// StdProcessRunner returns them on the system the test runs on (checked
// against real children in fake_results_test.go).

// killSignal is the signal the runner kills with, nil where it has none
// (Windows, where a killed child exits with code -1 and no signal).
func killSignal() *int {
	if runtime.GOOS == "windows" {
		return nil
	}
	sig := 9 // SIGKILL on every Unix
	return &sig
}

// FakeExit is the result of a run that exited with status code on its own.
// Its Err is an ErrNonZeroExit error when code is not 0.
func FakeExit(code int) RunResult {
	return RunResult{ExitCode: code}
}

// FakeSignaled is the result of a run ended by the signal sig (11 for a
// segmentation fault): ExitCode -1, Signal sig, Err an ErrNonZeroExit
// error. Windows has no signals: there a crash is an exit code
// (FakeExit(-1073741819) for an access violation).
func FakeSignaled(sig int) RunResult {
	return RunResult{ExitCode: -1, Signal: &sig}
}

// FakeTimedOut is the result of a run killed at its deadline timeout:
// TimedOut set, Wall the timeout, ExitCode -1, Signal 9 (SIGKILL; none
// on Windows), Err an ErrTimeout error, and a nil error from Run.
func FakeTimedOut(timeout time.Duration) RunResult {
	return RunResult{Wall: timeout, WallMs: uint64(timeout / time.Millisecond), ExitCode: -1,
		Signal: killSignal(), TimedOut: true}
}

// FakeNotFound is the result, carrying its error, of a spec whose program
// argv[0] does not exist: as StdProcessRunner's, an *AdapterError of kind
// KindRunCommand that wraps exec.ErrNotFound when argv[0] is looked up in
// PATH, and a *fs.PathError matching fs.ErrNotExist when it is a path. A
// FakeProcessRunner configured with it returns that error from Run.
func FakeNotFound(argv []string) RunResult {
	name := ""
	if len(argv) > 0 {
		name = argv[0]
	}
	var err error
	if strings.ContainsRune(name, '/') || strings.ContainsRune(name, filepath.Separator) {
		path, absErr := filepath.Abs(name)
		if absErr != nil {
			path = name
		}
		err = newError(KindRunCommand, argv, "program does not exist",
			&fs.PathError{Op: statOp, Path: path, Err: syscall.ENOENT})
	} else {
		err = newError(KindRunCommand, argv, "program not found in PATH",
			&exec.Error{Name: name, Err: exec.ErrNotFound})
	}
	return notStarted(err)
}

// fakeKilled is the result of a run the context killed after wall, as the
// real runner returns it, with the ErrKilled error wrapping cause.
func fakeKilled(r RunResult, argv []string, wall time.Duration, cause error) (RunResult, error) {
	r.Wall, r.WallMs = wall, uint64(wall/time.Millisecond)
	r.ExitCode, r.Signal, r.TimedOut = -1, killSignal(), false
	err := newError(KindKilled, argv, "", cause)
	return r, err
}

// atTheEdges makes a configured result r what the real runner would
// return for spec under ctx: a run longer than spec.Timeout timed out; one
// reaching past ctx's deadline, or during which ctx ended, was killed by
// the context. r carries no error.
func atTheEdges(ctx context.Context, spec *CommandSpec, r RunResult) (RunResult, error) {
	limit := time.Duration(-1)
	if spec.Timeout > 0 && r.Wall > spec.Timeout {
		limit = spec.Timeout
	}
	if deadline, ok := ctx.Deadline(); ok {
		if left := max(time.Until(deadline), 0); r.Wall > left && (limit < 0 || left < limit) {
			return fakeKilled(r, spec.Argv, left, context.DeadlineExceeded)
		}
	}
	if err := ctx.Err(); err != nil {
		return fakeKilled(r, spec.Argv, r.Wall, err)
	}
	if limit >= 0 {
		timedOut := FakeTimedOut(limit)
		r.Wall, r.WallMs, r.ExitCode, r.Signal, r.TimedOut = timedOut.Wall, timedOut.WallMs, -1, timedOut.Signal, true
	}
	return r, nil
}

// statOp is the Op of os.Stat's error for a missing file, as the real
// runner's lookup reports it.
var statOp = map[bool]string{false: "stat", true: "GetFileAttributesEx"}[runtime.GOOS == "windows"]
