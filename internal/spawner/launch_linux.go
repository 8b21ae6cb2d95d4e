//go:build linux

package spawner

// Starting a spawner: the program's executable, the launch, the hello,
// the spawner's pidfd and floor, and its reaping when it is the caller's
// child.

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/perfgate/adapters/internal/procfs"
	"github.com/perfgate/adapters/internal/spawner/program"
	"github.com/perfgate/adapters/internal/sysproc"
)

// helloWait bounds the wait for the hello of a spawner that neither says
// hello nor exits. No run waits that long unless it has no deadline of its
// own (attempt.wait).
const helloWait = 5 * time.Second

// beforeFork marks err as a start's failure before any launcher ran:
// nothing of the spawner's program ran, so the next run tries again, with
// no backoff (attempt.run).
func beforeFork(err error) error { return &program.BeforeForkError{Err: err} }

// executable is the spawner program's executable file, made at the first
// start and kept for the restarts (program.Open): a memfd, or a temporary
// file where memfds cannot be executed.
var executable struct {
	mu   sync.Mutex
	file *os.File
}

// executablePath returns the path that executes the spawner program:
// TestHooks.Exe when a test set it, else /proc/self/fd/N of the kept
// executable file (exec resolves it in the launcher, which inherits the
// descriptor until its exec).
func executablePath() (string, error) {
	if TestHooks.Exe != "" {
		return TestHooks.Exe, nil
	}
	executable.mu.Lock()
	defer executable.mu.Unlock()
	if executable.file == nil {
		f, err := program.Open()
		if err != nil {
			return "", err
		}
		executable.file = f
	}
	return program.ExecPath(executable.file), nil
}

// start starts a spawner and waits for its hello (program.Launch). The
// caller's state is read first: a change made while the spawner starts
// then shows as a change at the next run (a needless direct spawn), never
// as none.
func start() (*Conn, error) {
	state, err := readCallerState()
	if err != nil {
		return nil, beforeFork(err)
	}
	exe, err := executablePath()
	if err != nil {
		return nil, err
	}
	ctl, h, err := program.Launch(exe, program.LaunchOptions{HelloWait: helloWait})
	if err != nil {
		return nil, err
	}
	s := &Conn{fd: ctl, pid: h.Pid, pidfd: -1, state: state, maxRuns: min(h.MaxRuns, program.MaxRuns, runsWithinNofile())}
	if s.maxRuns < 1 {
		err = errors.New("spawner: RLIMIT_NOFILE leaves it no room for a run")
	}
	if err == nil {
		err = s.openPidfd()
	}
	if err == nil {
		err = s.readFloor()
	}
	if err != nil {
		unix.Close(s.fd)
		if s.pidfd >= 0 {
			_ = unix.PidfdSendSignal(s.pidfd, unix.SIGKILL, nil, 0)
			unix.Close(s.pidfd)
		}
		return nil, err
	}
	s.reapWhenDead()
	return s, nil
}

// runsWithinNofile is how many runs the spawner can hold at once within
// its RLIMIT_NOFILE, which it raises to the hard limit it inherits from
// the caller: each run holds a pidfd and a run socket, and ppoll refuses
// more descriptors than the limit (EINVAL); 16 are kept for its own and
// those of a request being handed over.
func runsWithinNofile() int {
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err != nil || lim.Max >= 1<<20 {
		return program.MaxRuns
	}
	return (int(lim.Max) - 16) / 2
}

// openPidfd opens the spawner's pidfd. The pid came in the hello; it named
// the spawner when pidfd_open ran if the spawner is still alive after it,
// and it is as long as its end of the control socket is open (only the
// spawner holds it, and only its exit closes it).
func (s *Conn) openPidfd() error {
	pidfd, err := unix.PidfdOpen(s.pid, 0)
	if err != nil {
		return fmt.Errorf("spawner: pidfd_open: %w", err)
	}
	if pidfd, err = sysproc.MoveAboveStdio(pidfd); err != nil {
		return fmt.Errorf("spawner: pidfd: %w", err)
	}
	s.pidfd = pidfd
	if !s.alive() {
		return errors.New("spawner: died after its hello")
	}
	return nil
}

// alive says whether the spawner's end of the control socket is still
// open, without waiting. A signal (the Go runtime preempts threads with
// SIGURG) must not pass for a dead spawner: only a hang-up says it has
// died.
func (s *Conn) alive() bool {
	fds := []unix.PollFd{{Fd: int32(s.fd), Events: unix.POLLIN}}
	err := sysproc.IgnoringEINTR(func() error {
		_, err := unix.Ppoll(fds, &unix.Timespec{}, nil)
		return err
	})
	return err == nil && fds[0].Revents&(unix.POLLHUP|unix.POLLERR) == 0
}

// readFloor sets the spawner's floor from its VmHWM once it has said
// hello (docs/spawner.md, "The floor"): the program touches all its state
// before the hello, so that its peak grows after it only with the largest
// request it receives, which Conn.floorKiB adds, and the pages of its own
// executable not faulted in yet, added here whole.
func (s *Conn) readFloor() error {
	hwm, err := procfs.PeakRSSKiB(procfs.DefaultRoot, strconv.Itoa(s.pid))
	if err != nil {
		return fmt.Errorf("spawner: %w", err)
	}
	if !s.alive() {
		return errors.New("spawner: died after its hello") // its pid may name another process
	}
	image, err := program.Image()
	if err != nil && TestHooks.Exe == "" {
		return err
	}
	s.baseKiB = hwm + pagesKiB(len(image))
	return nil
}

// pagesKiB is the size of the pages n bytes can touch, in KiB: n rounded
// up to pages, plus one for a start that is not page-aligned.
func pagesKiB(n int) uint64 {
	const page = 4096
	return uint64((n+page-1)/page+1) * page / 1024
}

// reapWhenDead reaps the spawner as soon as it dies when it is the
// caller's child, as it is when the caller is a child subreaper: a
// goroutine blocks in waitid on a duplicate of its pidfd, so that no
// zombie waits for the next run. close, which reaps too, then finds it
// reaped (ECHILD), or reaps it first and this wait gets ECHILD; the
// duplicate is this goroutine's own, so close cannot close it under it.
// When the spawner is not the caller's child (the usual case) waitid
// fails at once with ECHILD and no goroutine is started.
func (s *Conn) reapWhenDead() {
	var info unix.Siginfo
	err := sysproc.IgnoringEINTR(func() error {
		return unix.Waitid(unix.P_PIDFD, s.pidfd, &info, unix.WEXITED|unix.WNOHANG|unix.WNOWAIT, nil)
	})
	if err != nil {
		return
	}
	dup, err := unix.FcntlInt(uintptr(s.pidfd), unix.F_DUPFD_CLOEXEC, 3)
	if err != nil {
		return // close reaps it, as before
	}
	go func() {
		var info unix.Siginfo
		_ = sysproc.IgnoringEINTR(func() error { return unix.Waitid(unix.P_PIDFD, dup, &info, unix.WEXITED, nil) })
		unix.Close(dup)
	}()
}
