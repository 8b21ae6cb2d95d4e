//go:build unix

package adapters

// The Unix runner: the child starts in a process group of its own, whose
// id is its pid, and is reaped with wait4, which gives its own rusage.
// Linux waits for it on a pidfd in one ppoll loop (runner_linux.go, which
// sets pidfdStartAndWait); macOS, the BSDs and the other Unix systems read
// the output with goroutines and block in wait4 (startAndWaitWithReaders
// below, also run on Linux under a test hook so that Linux CI tests it).

import (
	"context"
	"runtime"
	"syscall"
	"time"

	"github.com/perfgate/adapters/internal/killswitch"
	"github.com/perfgate/adapters/internal/peak"
	"github.com/perfgate/adapters/internal/sysproc"
)

// pidfdStartAndWait is the Linux runner, set by runner_linux.go; nil on the
// other Unix systems.
var pidfdStartAndWait func(r StdProcessRunner, ctx context.Context, p *runPlan) (exitRecord, error)

// startAndWait starts p's child and waits for it.
func (r StdProcessRunner) startAndWait(ctx context.Context, p *runPlan) (exitRecord, error) {
	if pidfdStartAndWait != nil && !testHooks.readerGoroutines {
		return pidfdStartAndWait(r, ctx, p)
	}
	return startAndWaitWithReaders(ctx, p)
}

// startAndWaitWithReaders: a goroutine drains each pipe while this one
// blocks in wait4. Go cannot call waitid(WNOWAIT) on these systems, so the
// child is reaped first and its group killed right after: a pid is not
// reused that fast, and while leftovers live the group id stays taken.
func startAndWaitWithReaders(ctx context.Context, p *runPlan) (exitRecord, error) {
	streams, err := openStdio(p)
	if err != nil {
		return exitRecord{}, err
	}
	defer streams.closeAll()
	attr := procAttr(p, streams.childFiles(p.spec.Output))

	var rec exitRecord
	rec.start = time.Now()
	pid, _, err := syscall.StartProcess(p.path, p.spec.Argv, attr)
	if err != nil {
		return exitRecord{}, startError(p.spec, p.path, err)
	}
	streams.startReading(p)
	killSwitch := killswitch.Arm(ctx, rec.start, p.spec.Timeout, func() {
		// The child itself too: it may have left its group (setpgid).
		_ = syscall.Kill(pid, syscall.SIGKILL)
		sysproc.KillGroup(pid)
	})

	status, usage, waitErr := sysproc.Reap(pid)
	rec.end = time.Now()
	rec.cause = killSwitch.MarkExited()
	sysproc.KillGroup(pid) // leftovers
	streams.finishReading(p)
	if waitErr != nil {
		return exitRecord{}, waitError(p.spec, waitErr)
	}
	rec.setWaitStatus(status, &usage)
	return rec, nil
}

// goosLinux says whether this is Linux (or Android, which builds Linux
// files): the one kernel with /proc/self/status, pidfds and cgroup v2.
const goosLinux = runtime.GOOS == "linux" || runtime.GOOS == "android"

// procAttr describes the child: its own process group, its descriptors
// 0, 1 and 2, the spec's directory and environment.
func procAttr(p *runPlan, files []uintptr) *syscall.ProcAttr {
	return &syscall.ProcAttr{
		Dir:   p.spec.Cwd,
		Env:   p.env,
		Files: files,
		Sys:   &syscall.SysProcAttr{Setpgid: true},
	}
}

// setWaitStatus records how a directly spawned child ended and what it
// used.
func (e *exitRecord) setWaitStatus(status syscall.WaitStatus, usage *syscall.Rusage) {
	e.setStatus(status)
	u := sysproc.UsageOf(usage)
	e.usage = &u
	if goosLinux {
		e.inheritedPeakKiB = peak.CallerFloorKiB(maxRSSKiB(runtime.GOOS, u.MaxRSSRaw))
	}
}

// setStatus records how the child ended. Only a SIGKILL can be the run's
// own kill.
func (e *exitRecord) setStatus(status syscall.WaitStatus) {
	switch {
	case status.Exited():
		e.exitCode = status.ExitStatus()
	case status.Signaled():
		e.exitCode = -1
		e.signal = int(status.Signal())
	}
	e.killEndedIt = status.Signaled() && status.Signal() == syscall.SIGKILL
}

// signalDescription describes a signal ("killed").
func signalDescription(sig int) string { return syscall.Signal(sig).String() }
