//go:build linux

package adapters

import (
	"context"
	"io"
	"os"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/perfgate/adapters/internal/capture"
)

// startAndWait on Linux: this goroutine alone spawns the child and runs
// one ppoll loop over the two output pipes and a pidfd, as a C harness
// would. No reader goroutines, no netpoller registrations, no polling
// interval: ppoll returns when output arrives or the child exits.
//
// The pidfd becomes readable when the child exits but before it is
// reaped, so the process group (whose id is the child's pid) is killed
// while that id cannot have been reused; wait4 then reaps it.
func (r StdProcessRunner) startAndWait(ctx context.Context, spec *CommandSpec, path string, env []string, stdout, stderr *capture.Head) (exitWait, error) {
	if forceReaderGoroutines {
		return r.startAndWaitWithReaders(ctx, spec, path, env, stdout, stderr)
	}
	null, err := devNull()
	if err != nil {
		return exitWait{}, newError(KindRunCommand, spec.Argv, "cannot open "+os.DevNull, err)
	}
	var outPipe, errPipe [2]int
	if err := unix.Pipe2(outPipe[:], unix.O_CLOEXEC); err != nil {
		return exitWait{}, newError(KindRunCommand, spec.Argv, "cannot create output pipes", err)
	}
	defer unix.Close(outPipe[0])
	if err := unix.Pipe2(errPipe[:], unix.O_CLOEXEC); err != nil {
		unix.Close(outPipe[1])
		return exitWait{}, newError(KindRunCommand, spec.Argv, "cannot create output pipes", err)
	}
	defer unix.Close(errPipe[0])
	if r.useSpawner() {
		if s := theSpawner(); s != nil {
			w, err := r.startAndWaitViaSpawner(ctx, s, spec, path, env, outPipe, errPipe, stdout, stderr)
			if err != errSpawnerUnavailable {
				return w, err
			}
		}
	}
	attr := procAttr(spec, env, uintptr(null), uintptr(outPipe[1]), uintptr(errPipe[1]))
	pidfd := -1
	if pidfdWorks() {
		attr.Sys.PidFD = &pidfd
	}

	var w exitWait
	// In tree scope the child is cloned straight into a cgroup of its own
	// (CLONE_INTO_CGROUP), made before the clock starts.
	var cg *runCgroup
	if r.Scope == ScopeTree {
		w.tree = &treeReading{}
		if cg, err = r.openRunCgroup(); err != nil {
			w.tree.unavailable = err.Error()
		} else {
			attr.Sys.UseCgroupFD, attr.Sys.CgroupFD = true, cg.cloneFD()
			defer func() {
				if cg != nil { // not finished: an error return
					cg.kill()
					cg.finish()
				}
			}()
		}
	}

	w.start = time.Now()
	pid, _, err := syscall.StartProcess(path, spec.Argv, attr)
	if err != nil && cg != nil {
		// The clone into the cgroup may be what failed (a kernel before
		// 5.7, a cgroup the kernel will not take); an exec error repeats
		// without it. Nothing ran: the failed child never reached exec.
		w.tree.unavailable = "cannot start the program in " + cg.path + ": " + err.Error()
		_ = cg.remove()
		cg = nil
		attr.Sys.UseCgroupFD, attr.Sys.CgroupFD = false, 0
		w.start = time.Now()
		pid, _, err = syscall.StartProcess(path, spec.Argv, attr)
	}
	// The child holds its own copies; ours must go so that the pipes reach
	// end of file when the child's side closes.
	unix.Close(outPipe[1])
	unix.Close(errPipe[1])
	if err != nil {
		return exitWait{}, startError(spec, path, err)
	}
	exitFD := pidfd
	if exitFD < 0 {
		if exitFD, err = exitNotifier(pid); err != nil {
			// Without a way to learn of the exit, block in waitid instead
			// and give up the output; this needs a kernel without pidfds
			// and a failing pipe2 at once.
			killGroup(pid)
			_, _, _ = reap(pid)
			return exitWait{}, newError(KindRunCommand, spec.Argv, "cannot wait for program", err)
		}
	}
	defer unix.Close(exitFD)
	killFn := func() { killGroup(pid) }
	if tree := cg; tree != nil {
		// The group kill is cheap and reaches the group at once; the
		// cgroup's reaches the rest (setsid daemons, orphans).
		killFn = func() { killGroup(pid); tree.kill() }
	}
	killSwitch := armKillSwitch(ctx, w.start, spec.Timeout, killFn)

	exited, waitErr := pumpOutput(outPipe[0], errPipe[0], exitFD, [2]*capture.Head{stdout, stderr}, r.pipeGrace(),
		func() (bool, error) {
			w.end = time.Now()
			w.cause = killSwitch.markExited()
			killGroup(pid) // leftovers
			if cg != nil {
				cg.killIfPopulated() // leftovers outside the group too
			}
			var err error
			w.status, w.usage, err = reap(pid)
			return true, err
		})
	if !exited {
		// ppoll failed before the exit: stop the child rather than leave it.
		killSwitch.markExited()
		killGroup(pid)
		if cg != nil {
			cg.kill()
		}
		_, _, _ = reap(pid)
	}
	if cg != nil {
		// Whatever the child left is dead or dying: wait until the cgroup
		// is empty, then read it and remove it.
		w.tree = cg.finish()
		cg = nil
	}
	if waitErr != nil {
		return exitWait{}, newError(KindRunCommand, spec.Argv, "cannot wait for program", waitErr)
	}
	return w, nil
}

// pumpOutput is the one ppoll loop of both Linux wait paths. It reads
// stdout and stderr into heads as they become readable, and calls onExit
// when exitFD does (a pidfd, or the spawner's run socket) until onExit
// reports the exit; after that it reads what the pipes still bring for at
// most grace, for only escaped descendants can still hold them. An error
// from ppoll or onExit ends the loop at once. exited says whether onExit
// reported the exit.
func pumpOutput(outFD, errFD, exitFD int, heads [2]*capture.Head, grace time.Duration, onExit func() (bool, error)) (exited bool, err error) {
	fds := [3]unix.PollFd{
		{Fd: int32(outFD), Events: unix.POLLIN},
		{Fd: int32(errFD), Events: unix.POLLIN},
		{Fd: int32(exitFD), Events: unix.POLLIN},
	}
	var graceEnd time.Time
	for open := 2; open > 0 || !exited; {
		var timeout *unix.Timespec
		if exited {
			left := time.Until(graceEnd)
			if left <= 0 {
				break
			}
			ts := unix.NsecToTimespec(int64(left))
			timeout = &ts
		}
		if _, err := unix.Ppoll(fds[:], timeout, nil); err != nil {
			if err == unix.EINTR {
				continue
			}
			return exited, err
		}
		if !exited && fds[2].Revents != 0 {
			done, err := onExit()
			if done {
				exited = true
				fds[2].Fd = -1
				graceEnd = time.Now().Add(grace)
			}
			if err != nil {
				return exited, err
			}
		}
		for i := range heads {
			if fds[i].Fd < 0 || fds[i].Revents == 0 {
				continue
			}
			if _, err := heads[i].ReadOnce(fdReader(fds[i].Fd)); err != nil {
				fds[i].Fd = -1 // end of file, or the pipe is unusable
				open--
			}
		}
	}
	return exited, nil
}

// fdReader reads a raw descriptor; a read of 0 bytes is the end of file.
type fdReader int32

func (f fdReader) Read(p []byte) (int, error) {
	for {
		n, err := unix.Read(int(f), p)
		switch {
		case err == unix.EINTR:
			continue
		case err != nil:
			return 0, err
		case n == 0:
			return 0, io.EOF
		}
		return n, nil
	}
}

// devNull is the null device, opened once: every child gets it as stdin,
// which spares two system calls per run.
var devNull = sync.OnceValues(func() (int, error) {
	return unix.Open(os.DevNull, unix.O_RDONLY|unix.O_CLOEXEC, 0)
})

// pidfdWorks reports whether the kernel gives pidfds (Linux 5.3 and later).
// forcePidfdFallback lets tests exercise the path for older kernels, and
// forceReaderGoroutines the path of macOS and the BSDs.
var (
	forcePidfdFallback    bool
	forceReaderGoroutines bool
	pidfdSupported        = sync.OnceValue(func() bool {
		fd, err := unix.PidfdOpen(os.Getpid(), 0)
		if err != nil {
			return false
		}
		unix.Close(fd)
		return true
	})
)

func pidfdWorks() bool { return !forcePidfdFallback && pidfdSupported() }

// exitNotifier stands in for a pidfd on kernels without them: it returns
// a descriptor that becomes readable when pid has exited, which a
// goroutine learns with waitid(WNOWAIT), leaving pid unreaped.
func exitNotifier(pid int) (int, error) {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		return -1, err
	}
	go func() {
		var info unix.Siginfo
		for unix.Waitid(unix.P_PID, pid, &info, unix.WEXITED|unix.WNOWAIT, nil) == unix.EINTR {
		}
		unix.Close(p[1]) // the read end sees end of file: readable
	}()
	return p[0], nil
}
