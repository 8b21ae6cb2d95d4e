//go:build unix

package adapters

import (
	"context"
	"sync"
	"syscall"
	"time"

	"github.com/perfgate/adapters/internal/capture"
)

// startAndWaitWithReaders is startAndWait for macOS and the BSDs: a
// goroutine drains each pipe while this one blocks in wait4. These systems
// have no waitid(WNOWAIT) that Go can call, so the child is reaped first
// and its group killed right after: a pid is not reused that fast, and
// while leftovers live the group id stays taken. It builds on Linux too, so
// that Linux CI tests it (forceReaderGoroutines).
func (r StdProcessRunner) startAndWaitWithReaders(ctx context.Context, spec *CommandSpec, path string, env []string, stdout, stderr *capture.Head) (exitWait, error) {
	pipes, err := openStdio()
	if err != nil {
		return exitWait{}, newError(KindRunCommand, spec.Argv, "cannot create output pipes", err)
	}
	defer pipes.closeAll()
	attr := procAttr(spec, env, pipes.stdin.Fd(), pipes.stdoutW.Fd(), pipes.stderrW.Fd())

	var w exitWait
	w.start = time.Now()
	pid, _, err := syscall.StartProcess(path, spec.Argv, attr)
	if err != nil {
		return exitWait{}, startError(spec, path, err)
	}
	// The child holds its own copies; ours must go so that the readers see
	// end of file when the child's side closes.
	pipes.closeChildEnds()
	var readers sync.WaitGroup
	readers.Add(2)
	go drain(&readers, stdout, pipes.stdoutR)
	go drain(&readers, stderr, pipes.stderrR)
	killSwitch := armKillSwitch(ctx, w.start, spec.Timeout, func() { killGroup(pid) })

	var waitErr error
	w.status, w.usage, waitErr = reap(pid)
	w.end = time.Now()
	w.cause = killSwitch.markExited()
	killGroup(pid) // leftovers
	pipes.finishReading(&readers, r.pipeGrace())
	if waitErr != nil {
		return exitWait{}, newError(KindRunCommand, spec.Argv, "cannot wait for program", waitErr)
	}
	return w, nil
}
