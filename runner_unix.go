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
	"io/fs"
	"os"
	"runtime"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
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
	killSwitch := armKillSwitch(ctx, rec.start, p.spec.Timeout, func() {
		// The child itself too: it may have left its group (setpgid).
		_ = syscall.Kill(pid, syscall.SIGKILL)
		killGroup(pid)
	})

	status, usage, waitErr := reap(pid)
	rec.end = time.Now()
	rec.cause = killSwitch.markExited()
	killGroup(pid) // leftovers
	streams.finishReading(p)
	if waitErr != nil {
		return exitRecord{}, waitError(p.spec, waitErr)
	}
	rec.setWaitStatus(status, &usage)
	return rec, nil
}

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

// killGroup sends SIGKILL to every process of the group pgid.
func killGroup(pgid int) { _ = syscall.Kill(-pgid, syscall.SIGKILL) }

// reap collects the exited child pid with wait4, which gives the child's
// own resource usage (and that of the descendants it waited for).
func reap(pid int) (syscall.WaitStatus, syscall.Rusage, error) {
	var status syscall.WaitStatus
	var usage syscall.Rusage
	err := ignoringEINTR(func() error {
		_, err := syscall.Wait4(pid, &status, 0, &usage)
		return err
	})
	return status, usage, err
}

// setWaitStatus records how a directly spawned child ended and what it
// used.
func (e *exitRecord) setWaitStatus(status syscall.WaitStatus, usage *syscall.Rusage) {
	e.setStatus(status)
	e.usage = rusageOf(usage)
	if goosLinux {
		e.inheritedPeakKiB = callerPeakFloorKiB(maxRSSKiB(runtime.GOOS, e.usage.maxRSSRaw))
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

// rusageOf converts a struct rusage to its OS-neutral figures.
func rusageOf(u *syscall.Rusage) *rusageFigures {
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

// signalDescription describes a signal ("killed").
func signalDescription(sig int) string { return syscall.Signal(sig).String() }

// ignoringEINTR calls fn until it returns an error other than EINTR.
func ignoringEINTR(fn func() error) error {
	for {
		if err := fn(); err != syscall.EINTR {
			return err
		}
	}
}

// ignoringEINTRIO is ignoringEINTR for calls that return a count.
func ignoringEINTRIO(fn func() (int, error)) (int, error) {
	for {
		n, err := fn()
		if err != syscall.EINTR {
			return n, err
		}
	}
}

// openAboveStdio opens name read-only, close-on-exec, at a descriptor above
// 2, for a file kept open for the life of the process. A caller that closed
// its stdin would otherwise get it as descriptor 0: a later dup2 onto 0
// would swap it under us, and a child handed it would read the caller's
// data.
func openAboveStdio(name string, mode int) (*os.File, error) {
	fd, err := ignoringEINTRIO(func() (int, error) { return syscall.Open(name, mode|syscall.O_CLOEXEC, 0) })
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	if fd, err = moveAboveStdio(fd); err != nil {
		return nil, &fs.PathError{Op: "fcntl", Path: name, Err: err}
	}
	return os.NewFile(uintptr(fd), name), nil
}

// moveAboveStdio returns fd itself when it is above 2, else a close-on-exec
// duplicate above 2, closing fd.
func moveAboveStdio(fd int) (int, error) {
	if fd > 2 {
		return fd, nil
	}
	// ForkLock keeps a concurrent fork from inheriting the duplicate
	// before it is marked close-on-exec (not every Unix has
	// F_DUPFD_CLOEXEC).
	syscall.ForkLock.RLock()
	moved, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD, 3)
	if err == nil {
		syscall.CloseOnExec(moved)
	}
	syscall.ForkLock.RUnlock()
	syscall.Close(fd)
	if err != nil {
		return -1, err
	}
	return moved, nil
}
