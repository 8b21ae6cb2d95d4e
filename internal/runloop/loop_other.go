//go:build !unix && !windows

package runloop

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

// StartAndWait starts p's child with os/exec and waits for it. On error
// the error is an *Error.
func StartAndWait(ctx context.Context, p *Plan) (Exit, error) {
	cmd := &exec.Cmd{
		Path: p.Path,
		Args: p.Argv,
		Dir:  p.Dir,
		Env:  p.Env,
		// nil, or an *os.File that os/exec hands over as it is: the
		// copy from a reader is the run's own (capture.Feed) everywhere.
		Stdin: childReader(p.Stdin),
		// Bounds the wait for pipes held open by descendants.
		WaitDelay: p.Grace,
	}
	switch {
	case p.captures():
		cmd.Stdout, cmd.Stderr = &lockedHead{head: p.Stdout}, &lockedHead{head: p.Stderr}
	case p.Output == capture.Inherit:
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	default:
		cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	}
	var rec Exit
	rec.Start = time.Now()
	if err := cmd.Start(); err != nil {
		return Exit{}, fail(StageStart, err)
	}
	p.Stdin.CloseChildEnd()
	killSwitch := killswitch.Arm(ctx, rec.Start, p.Timeout, func() { _ = cmd.Process.Kill() })
	state, waitErr := cmd.Process.Wait()
	rec.End = time.Now()
	p.Stdin.ChildExited()
	rec.Cause = killSwitch.MarkExited()
	// Cmd.Wait finishes the output copies (bounded by WaitDelay); the
	// process is already reaped, so its error is only about the pipes.
	_ = cmd.Wait()
	if waitErr != nil && !errors.Is(waitErr, os.ErrProcessDone) {
		return Exit{}, fail(StageWait, waitErr)
	}
	rec.ExitCode = state.ExitCode()
	rec.KillEndedIt = rec.Cause != killswitch.NotKilled
	return rec, nil
}

// childReader is the child's standard input for os/exec: nil for the
// null device (never a nil *os.File in a non-nil interface), else a file.
func childReader(s *capture.Feed) io.Reader {
	if s == nil {
		return nil
	}
	return s.Child()
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
