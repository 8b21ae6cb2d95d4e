//go:build unix

package adapters

import (
	"context"
	"os"
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

// stdio holds the child's standard streams: the null device as stdin and a
// pipe each for stdout and stderr.
type stdio struct {
	stdin            *os.File
	stdoutR, stdoutW *os.File
	stderrR, stderrW *os.File
}

func openStdio() (*stdio, error) {
	p := &stdio{}
	var err error
	if p.stdin, err = os.Open(os.DevNull); err != nil {
		return nil, err
	}
	if p.stdoutR, p.stdoutW, err = os.Pipe(); err != nil {
		p.closeAll()
		return nil, err
	}
	if p.stderrR, p.stderrW, err = os.Pipe(); err != nil {
		p.closeAll()
		return nil, err
	}
	return p, nil
}

// closeChildEnds closes the parent's copies of the child's descriptors.
func (p *stdio) closeChildEnds() {
	for _, f := range []**os.File{&p.stdin, &p.stdoutW, &p.stderrW} {
		if *f != nil {
			(*f).Close()
			*f = nil
		}
	}
}

// closeAll closes every descriptor still open; it is safe to call twice.
func (p *stdio) closeAll() {
	p.closeChildEnds()
	for _, f := range []**os.File{&p.stdoutR, &p.stderrR} {
		if *f != nil {
			(*f).Close()
			*f = nil
		}
	}
}

// finishReading waits for both readers to reach end of file, at most grace:
// a descendant that escaped the process group may hold the pipes open for
// ever. Past the grace the reads are cut off with a deadline.
func (p *stdio) finishReading(readers *sync.WaitGroup, grace time.Duration) {
	done := make(chan struct{})
	go func() { readers.Wait(); close(done) }()
	timer := time.NewTimer(grace)
	defer timer.Stop()
	select {
	case <-done:
	case <-timer.C:
		past := time.Unix(1, 0)
		_ = p.stdoutR.SetReadDeadline(past)
		_ = p.stderrR.SetReadDeadline(past)
		<-done
	}
}

func drain(wg *sync.WaitGroup, head *capture.Head, f *os.File) {
	defer wg.Done()
	_, _ = head.ReadFrom(f)
}
