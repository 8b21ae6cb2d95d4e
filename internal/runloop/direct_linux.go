package runloop

// A direct start on Linux: the child cloned by this process, with a pidfd
// to learn of its exit (or, before Linux 5.3, a waitid(WNOWAIT) goroutine),
// in tree scope into its run's cgroup. The pidfd becomes readable when the
// child exits but before it is reaped, so the process group (whose id is
// the child's pid) is killed while that id cannot have been reused; wait4
// then reaps it.

import (
	"context"
	"errors"
	"os"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/perfgate/adapters/internal/capture"
	"github.com/perfgate/adapters/internal/cgroupfs"
	"github.com/perfgate/adapters/internal/killswitch"
	"github.com/perfgate/adapters/internal/sysproc"
)

// startAndWaitDirect starts the child itself, in its cgroup in tree scope.
func startAndWaitDirect(ctx context.Context, p *Plan, streams *capture.Stdio) (Exit, error) {
	attr := procAttr(p, streams.ChildFiles())
	pidfd := -1
	if pidfdWorks(p) && !clonePidfdRefused.Load() {
		attr.Sys.PidFD = &pidfd
	}
	var rec Exit
	cg := prepareRunCgroup(p, &rec, attr)
	pid, err := startProcess(p, attr, &cg, &rec)
	// The child holds its own copies; ours must go so that the pipes reach
	// end of file when the child's side closes.
	streams.CloseChildEnds()
	if err != nil {
		cg.Abandon()
		return Exit{}, fail(StageStart, err)
	}
	exitFD, err := exitNotification(pid, pidfd)
	if err != nil {
		sysproc.KillGroup(pid)
		_, _, _ = sysproc.Reap(pid)
		cg.Abandon()
		return Exit{}, fail(StageWait, err)
	}
	defer unix.Close(exitFD)
	killSwitch := killswitch.Arm(ctx, rec.Start, p.Timeout, func() {
		// The child itself too: it may have left its group (setpgid).
		sysproc.KillChild(pid, pidfd)
		sysproc.KillGroup(pid)
		cg.Kill()
	})

	exited, waitErr := pumpOutput(streams, exitFD, p, func() (bool, error) {
		rec.End = time.Now()
		rec.Cause = killSwitch.MarkExited()
		sysproc.KillGroup(pid) // leftovers
		cg.KillIfPopulated()   // leftovers outside the group too
		status, usage, err := sysproc.Reap(pid)
		if err == nil {
			rec.setWaitStatus(status, &usage)
		}
		return true, err
	})
	if !exited {
		// ppoll failed before the exit: stop the child rather than leave it.
		killSwitch.MarkExited()
		sysproc.KillGroup(pid)
		cg.Kill()
		_, _, _ = sysproc.Reap(pid)
	}
	if cg != nil {
		// Whatever the child left is dead or dying: wait until the cgroup
		// is empty, then read it and remove it.
		rec.Tree = cg.Finish()
	}
	if waitErr != nil {
		return Exit{}, fail(StageWait, waitErr)
	}
	return rec, nil
}

// startProcess starts the child, in cg when there is one. Should the
// kernel refuse to clone into cg (a kernel before 5.7, a cgroup it will
// not take), the child is started outside it and cg removed; nothing ran
// then, for the failed child never reached exec. Any other error (the
// program's exec failing, a pids.max limit) is the start's error.
func startProcess(p *Plan, attr *syscall.ProcAttr, cg **cgroupfs.Run, rec *Exit) (int, error) {
	rec.Start = time.Now()
	pid, _, err := syscall.StartProcess(p.Path, p.Argv, attr)
	if errors.Is(err, unix.EINVAL) && attr.Sys.PidFD != nil {
		// qemu-user refuses a clone that asks for a pidfd (EINVAL) where
		// pidfd_open works: start as on a kernel without pidfds, and
		// remember it once a start without the flag has succeeded (an
		// exec that fails with EINVAL by itself fails again).
		attr.Sys.PidFD = nil
		rec.Start = time.Now()
		if pid, _, err = syscall.StartProcess(p.Path, p.Argv, attr); err == nil {
			clonePidfdRefused.Store(true)
		}
	}
	if err == nil || *cg == nil || !cannotCloneIntoCgroup(err) {
		return pid, err
	}
	rec.Tree.Unavailable = "cannot start the program in " + (*cg).Path() + ": " + err.Error()
	_ = (*cg).Remove()
	*cg = nil
	attr.Sys.UseCgroupFD, attr.Sys.CgroupFD = false, 0
	rec.Start = time.Now()
	pid, _, err = syscall.StartProcess(p.Path, p.Argv, attr)
	return pid, err
}

// cannotCloneIntoCgroup says whether a failed start may be the kernel
// refusing CLONE_INTO_CGROUP: no clone3 (ENOSYS) or no such flag
// (EINVAL), a descriptor that is not a cgroup (EBADF), a cgroup that takes
// no processes (EBUSY: controllers enabled in it; EOPNOTSUPP: a threaded
// or invalid domain) or that the caller may not move processes into
// (EPERM, EACCES). EAGAIN (a pids.max limit) and exec's own errors
// (E2BIG, ENOENT, ...) are not retried: outside the cgroup a limit would be
// bypassed, or the same exec would fail again.
func cannotCloneIntoCgroup(err error) bool {
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return false
	}
	switch errno {
	case unix.ENOSYS, unix.EINVAL, unix.EBADF, unix.EBUSY, unix.EOPNOTSUPP, unix.EPERM, unix.EACCES:
		return true
	}
	return false
}

// prepareRunCgroup makes the run's cgroup in tree scope and points the
// clone at it; nil in process scope or when none can be made (rec.tree
// says why).
func prepareRunCgroup(p *Plan, rec *Exit, attr *syscall.ProcAttr) *cgroupfs.Run {
	if !p.Tree {
		return nil
	}
	rec.Tree = &cgroupfs.Reading{}
	cg, err := cgroupfs.OpenRun(p.CgroupParent, p.Paths.Cgroup)
	if err != nil {
		rec.Tree.Unavailable = err.Error()
		return nil
	}
	attr.Sys.UseCgroupFD, attr.Sys.CgroupFD = true, cg.CloneFD()
	return cg
}

// exitNotification returns a descriptor that becomes readable when pid
// has exited, before it is reaped: its pidfd, or on kernels without pidfds
// the read end of a pipe a goroutine closes once waitid(WNOWAIT) returns.
func exitNotification(pid, pidfd int) (int, error) {
	if pidfd >= 0 {
		return pidfd, nil
	}
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		return -1, err
	}
	go func() {
		var info unix.Siginfo
		_ = sysproc.IgnoringEINTR(func() error { return unix.Waitid(unix.P_PID, pid, &info, unix.WEXITED|unix.WNOWAIT, nil) })
		unix.Close(p[1]) // the read end sees end of file: readable
	}()
	return p[0], nil
}

// clonePidfdRefused remembers that clone refused CLONE_PIDFD where
// pidfd_open works (qemu-user): direct starts then ask for no pidfd.
var clonePidfdRefused atomic.Bool

// pidfdSupported caches a kernel that gives pidfds (Linux 5.3 and later).
// Only a success is remembered: a pidfd_open that failed for want of a
// descriptor (EMFILE) is tried again by the next run.
var pidfdSupported atomic.Bool

func pidfdWorks(p *Plan) bool {
	if p.Paths.NoPidfd {
		return false
	}
	if pidfdSupported.Load() {
		return true
	}
	fd, err := unix.PidfdOpen(os.Getpid(), 0)
	if err != nil {
		return false
	}
	unix.Close(fd)
	pidfdSupported.Store(true)
	return true
}
