//go:build !unix && !windows

package adapters

// The runner of the platforms that are neither Unix nor Windows: plan9,
// where os/exec starts the child, and js/wasm and wasip1, where no process
// can start (os/exec says so, and Run returns ErrRunCommand). A deadline
// or a cancelled ctx kills the child only, not what it started, and these
// platforms report no resource usage for a child: every figure but wall
// time, exit code and output stays nil.

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"sync"
	"time"

	"github.com/perfgate/adapters/internal/capture"
	"github.com/perfgate/adapters/internal/killswitch"
)

// startAndWait starts p's child with os/exec and waits for it.
func (r StdProcessRunner) startAndWait(ctx context.Context, p *runPlan) (exitRecord, error) {
	cmd := &exec.Cmd{
		Path: p.path,
		Args: p.spec.Argv,
		Dir:  p.spec.Cwd,
		Env:  p.env,
		// nil, or an *os.File that os/exec hands over as it is: the
		// copy from a reader is Run's own (stdin.go) on every platform.
		Stdin: p.stdin.childReader(),
		// Bounds the wait for pipes held open by descendants.
		WaitDelay: p.grace,
	}
	switch {
	case p.captures():
		cmd.Stdout, cmd.Stderr = &lockedHead{head: p.stdout}, &lockedHead{head: p.stderr}
	case p.spec.Output == OutputInherit:
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	default:
		cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	}
	var rec exitRecord
	rec.start = time.Now()
	if err := cmd.Start(); err != nil {
		return exitRecord{}, newError(KindRunCommand, p.spec.Argv, "cannot start program", err)
	}
	p.stdin.closeChildEnd()
	killSwitch := killswitch.Arm(ctx, rec.start, p.spec.Timeout, func() { _ = cmd.Process.Kill() })
	state, waitErr := cmd.Process.Wait()
	rec.end = time.Now()
	p.stdin.childExited()
	rec.cause = killSwitch.MarkExited()
	// Cmd.Wait finishes the output copies (bounded by WaitDelay); the
	// process is already reaped, so its error is only about the pipes.
	_ = cmd.Wait()
	if waitErr != nil && !errors.Is(waitErr, os.ErrProcessDone) {
		return exitRecord{}, waitError(p.spec, waitErr)
	}
	rec.exitCode = state.ExitCode()
	rec.killEndedIt = rec.cause != killswitch.NotKilled
	return rec, nil
}

// childReader is the child's standard input for os/exec: nil for the
// null device (never a nil *os.File in a non-nil interface), else a file.
func (s *stdinFeed) childReader() io.Reader {
	if s == nil {
		return nil
	}
	return s.child
}

// lockedHead lets os/exec's copying goroutine write into a capture.Head.
type lockedHead struct {
	mu   sync.Mutex
	head *capture.Head
}

func (l *lockedHead) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.head.Write(p)
}

// signalDescription is empty: these platforms name no signals.
func signalDescription(int) string { return "" }
