//go:build unix

package adapters

import (
	"context"
	"io/fs"
	"os"
	"runtime"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/perfgate/adapters/internal/capture"
)

// run starts spec in its own process group and measures it. See the
// package documentation for the contract.
func (r StdProcessRunner) run(ctx context.Context, spec *CommandSpec) (RunResult, error) {
	env := childEnv(spec)
	prog, err := resolve(spec, env)
	if err != nil {
		return RunResult{}, err
	}
	pipes, err := openStdio()
	if err != nil {
		return RunResult{}, newError(KindRunCommand, spec.Argv, "cannot create output pipes", err)
	}
	defer pipes.closeAll()

	outputCap := spec.effectiveOutputCap()
	stdout, stderr := capture.NewHead(outputCap), capture.NewHead(outputCap)
	attr := &syscall.ProcAttr{
		Dir:   spec.Cwd,
		Env:   env,
		Files: []uintptr{pipes.stdin.Fd(), pipes.stdoutW.Fd(), pipes.stderrW.Fd()},
		Sys:   &syscall.SysProcAttr{Setpgid: true},
	}
	energy := startEnergyMeter()

	// Wall time starts here: between this line and the exit below there is
	// only the spawn, goroutine starts and the wait.
	start := time.Now()
	pid, _, err := syscall.StartProcess(prog.Path, spec.Argv, attr)
	if err != nil {
		return RunResult{}, newError(KindRunCommand, spec.Argv, "cannot start program", &fs.PathError{Op: "exec", Path: prog.Path, Err: err})
	}
	// The child holds its own copies; ours must go so that the readers see
	// end of file when the child's side closes.
	pipes.closeChildEnds()

	var readers sync.WaitGroup
	readers.Add(2)
	go drain(&readers, stdout, pipes.stdoutR)
	go drain(&readers, stderr, pipes.stderrR)

	killSwitch := armKillSwitch(ctx, start, spec.Timeout, func() { _ = unix.Kill(-pid, unix.SIGKILL) })
	reaped, status, usage, waitErr := waitExit(pid)
	end := time.Now()
	// From here on nothing more is timed.
	cause := killSwitch.markExited()
	// Whatever the child left running in its group goes now. The child is
	// not reaped yet (except where waitExit had to reap), so the group id
	// cannot have been reused by an unrelated process.
	_ = unix.Kill(-pid, unix.SIGKILL)
	if !reaped && waitErr == nil {
		status, usage, waitErr = reap(pid)
	}

	pipes.finishReading(&readers, r.pipeGrace())

	if waitErr != nil {
		return RunResult{}, newError(KindRunCommand, spec.Argv, "cannot wait for program", waitErr)
	}
	result := baseResult(end.Sub(start), prog.Size, stdout, stderr)
	switch {
	case status.Exited():
		result.ExitCode = status.ExitStatus()
	case status.Signaled():
		result.ExitCode = -1
		sig := int(status.Signal())
		result.Signal = &sig
	}
	rusageFiguresOf(usage).apply(&result, runtime.GOOS)
	if result.MaxRSSKB != nil {
		if own, ok := childPeakRSSKiB(*result.MaxRSSKB); ok {
			result.MaxRSSKB = &own
		} else {
			result.MaxRSSKB = nil
		}
	}
	energy.finish(&result)

	// A kill only counts when it is what ended the child: a child that
	// exited on its own a moment before the deadline did not time out.
	killedBySIGKILL := status.Signaled() && status.Signal() == syscall.SIGKILL
	switch {
	case cause == killedAtDeadline && killedBySIGKILL:
		result.TimedOut = true
	case cause == killedByContext && killedBySIGKILL:
		return result, newError(KindRunCommand, spec.Argv, "killed: context done", ctx.Err())
	}
	return result, nil
}

// reap collects the exited child pid with wait4, which gives the child's
// own resource usage (and that of the descendants it waited for).
func reap(pid int) (syscall.WaitStatus, syscall.Rusage, error) {
	var status syscall.WaitStatus
	var usage syscall.Rusage
	for {
		_, err := syscall.Wait4(pid, &status, 0, &usage)
		if err == syscall.EINTR {
			continue
		}
		return status, usage, err
	}
}

func rusageFiguresOf(u syscall.Rusage) *rusageFigures {
	return &rusageFigures{
		user:        time.Duration(u.Utime.Nano()),
		system:      time.Duration(u.Stime.Nano()),
		maxRSSRaw:   int64(u.Maxrss),
		minorFaults: int64(u.Minflt),
		majorFaults: int64(u.Majflt),
		inBlocks:    int64(u.Inblock),
		outBlocks:   int64(u.Oublock),
		voluntary:   int64(u.Nvcsw),
		involuntary: int64(u.Nivcsw),
	}
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

// signalName names a signal for error messages ("signal 9 (killed)").
func signalName(sig int) string {
	return "signal " + itoa(sig) + " (" + syscall.Signal(sig).String() + ")"
}
