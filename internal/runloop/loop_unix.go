//go:build unix

package runloop

// The Unix run: the child starts in a process group of its own, whose id
// is its pid, and is reaped with wait4, which gives its own rusage. Linux
// waits for it on a pidfd in one ppoll loop (loop_linux.go, which sets
// linuxStartAndWait); macOS, the BSDs and the other Unix systems read the
// output with goroutines and block in wait4 (startAndWaitWithReaders
// below, also run on Linux under Paths.Readers so that Linux CI tests it).

import (
	"context"
	"runtime"
	"syscall"
	"time"

	"github.com/perfgate/adapters/internal/capture"
	"github.com/perfgate/adapters/internal/killswitch"
	"github.com/perfgate/adapters/internal/peak"
	"github.com/perfgate/adapters/internal/sysproc"
)

// linuxStartAndWait is the Linux loop, set by loop_linux.go; nil on the
// other Unix systems.
var linuxStartAndWait func(ctx context.Context, p *Plan) (Exit, error)

// StartAndWait starts p's child and waits for it. On error nothing of the
// run is left running and the error is an *Error.
func StartAndWait(ctx context.Context, p *Plan) (Exit, error) {
	if linuxStartAndWait != nil && !p.Paths.Readers {
		return linuxStartAndWait(ctx, p)
	}
	return startAndWaitWithReaders(ctx, p)
}

// startAndWaitWithReaders: a goroutine drains each pipe while this one
// blocks in wait4. Go cannot call waitid(WNOWAIT) on these systems, so the
// child is reaped first and its group killed right after: a pid is not
// reused that fast, and while leftovers live the group id stays taken.
func startAndWaitWithReaders(ctx context.Context, p *Plan) (Exit, error) {
	streams, err := capture.OpenStdio(p.Output, p.Stdin, capture.PollablePipes)
	if err != nil {
		return Exit{}, fail(StageStreams, err)
	}
	defer streams.CloseAll()
	attr := procAttr(p, streams.ChildFiles())

	var rec Exit
	rec.Start = time.Now()
	pid, _, err := syscall.StartProcess(p.Path, p.Argv, attr)
	if err != nil {
		return Exit{}, fail(StageStart, err)
	}
	streams.StartReading(p.Stdout, p.Stderr)
	killSwitch := killswitch.Arm(ctx, rec.Start, p.Timeout, func() {
		// The child itself too: it may have left its group (setpgid).
		_ = syscall.Kill(pid, syscall.SIGKILL)
		sysproc.KillGroup(pid)
	})

	status, usage, waitErr := sysproc.Reap(pid)
	rec.End = time.Now()
	rec.Cause = killSwitch.MarkExited()
	sysproc.KillGroup(pid) // leftovers
	streams.FinishReading(p.Stdout, p.Stderr, p.Grace)
	if waitErr != nil {
		return Exit{}, fail(StageWait, waitErr)
	}
	rec.setWaitStatus(status, &usage)
	return rec, nil
}

// goosLinux says whether this is Linux (or Android, which builds Linux
// files): the one kernel with /proc/self/status, pidfds and cgroup v2.
const goosLinux = runtime.GOOS == "linux" || runtime.GOOS == "android"

// procAttr describes the child: its own process group, its descriptors
// 0, 1 and 2, the plan's directory and environment.
func procAttr(p *Plan, files []uintptr) *syscall.ProcAttr {
	return &syscall.ProcAttr{
		Dir:   p.Dir,
		Env:   p.Env,
		Files: files,
		Sys:   &syscall.SysProcAttr{Setpgid: true},
	}
}

// setWaitStatus records how a directly spawned child ended and what it
// used.
func (e *Exit) setWaitStatus(status syscall.WaitStatus, usage *syscall.Rusage) {
	e.setStatus(status)
	u := sysproc.UsageOf(usage)
	e.Usage = &u
	if goosLinux {
		e.InheritedPeakKiB = peak.CallerFloorKiB(sysproc.MaxRSSKiB(runtime.GOOS, u.MaxRSSRaw))
	}
}

// setStatus records how the child ended. Only a SIGKILL can be the run's
// own kill.
func (e *Exit) setStatus(status syscall.WaitStatus) {
	switch {
	case status.Exited():
		e.ExitCode = status.ExitStatus()
	case status.Signaled():
		e.ExitCode = -1
		e.Signal = int(status.Signal())
	}
	e.KillEndedIt = status.Signaled() && status.Signal() == syscall.SIGKILL
}
