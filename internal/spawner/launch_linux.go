//go:build linux

package spawner

// Starting a spawner: the launcher, the hello, the spawner's pidfd, and
// its reaping when it is the caller's child.

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/perfgate/adapters/internal/sysproc"
)

// helloWait bounds the wait for the hello of a launcher that neither
// says hello nor exits (it hangs in an initializer of the program that
// runs before this package's). No run waits that long unless it has no
// deadline of its own (attempt.wait).
const helloWait = 5 * time.Second

// beforeForkError is the error of a start that failed before any
// launcher ran: for want of a descriptor, of memory or of a process.
// Nothing of the spawner's program ran, so the next run tries again, with
// no backoff (current_linux.go).
type beforeForkError struct{ err error }

func (e *beforeForkError) Error() string { return e.err.Error() }
func (e *beforeForkError) Unwrap() error { return e.err }

// beforeFork marks err as a start's failure before any launcher ran.
func beforeFork(err error) error { return &beforeForkError{err} }

// isShortage says whether err is a want of a resource: fork and exec
// fail so for want of a descriptor (the pipe ForkExec makes before it
// forks), of memory or of a process, never for the program.
func isShortage(err error) bool {
	return errors.Is(err, unix.EMFILE) || errors.Is(err, unix.ENFILE) ||
		errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.ENOMEM)
}

// start starts a spawner through a launcher and waits for its hello. The
// caller's state is read first: a change made while the spawner starts
// then shows as a change at the next run (a needless direct spawn), never
// as none.
func start(exe string) (*Conn, error) {
	state, err := readCallerState()
	if err != nil {
		return nil, beforeFork(err)
	}
	token := make([]byte, tokenLen)
	if _, err := rand.Read(token); err != nil {
		return nil, beforeFork(err)
	}
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, beforeFork(err)
	}
	// The control socket lives as long as the caller: a caller that
	// closed its stdin must not find it as descriptor 0.
	if fds[0], err = sysproc.MoveAboveStdio(fds[0]); err != nil {
		unix.Close(fds[1])
		return nil, beforeFork(err)
	}
	s := &Conn{fd: fds[0], pidfd: -1, state: state}
	err = s.launch(exe, fds[1], token)
	if err == nil {
		err = s.openPidfd()
	}
	if err != nil {
		unix.Close(s.fd)
		return nil, err
	}
	s.reapWhenDead()
	return s, nil
}

// launch runs the launcher with theirs, the spawner's end of the control
// socket, which it closes, and waits for the hello.
func (s *Conn) launch(exe string, theirs int, token []byte) error {
	null, err := sysproc.DevNull()
	if err != nil {
		unix.Close(theirs)
		return beforeFork(err)
	}
	env := append(os.Environ(), EnvKey+"=launch:"+hex.EncodeToString(token))
	argv0 := exe
	if len(os.Args) > 0 {
		argv0 = os.Args[0]
	}
	pid, err := syscall.ForkExec(exe, []string{argv0}, &syscall.ProcAttr{
		Env: env,
		// Not even the caller's stderr: a spawner holding a pipe the
		// caller's own reader waits on would delay that reader's EOF.
		Files: []uintptr{uintptr(null), uintptr(null), uintptr(null), uintptr(theirs)},
		Sys:   &syscall.SysProcAttr{Setpgid: true},
	})
	// From now on only the launcher and the spawner it starts hold their
	// end: a launcher that exits without starting one (a program that is
	// not this one, as /proc/self/exe is under ld.so or in a c-shared
	// library's host) shows as end of file at once.
	unix.Close(theirs)
	switch {
	case err != nil && isShortage(err):
		return beforeFork(err)
	case err != nil:
		return err
	}
	err = s.awaitHello(helloWait, token)
	if err != nil {
		// The launcher may hang, or have left something in its group: it
		// is our child, so its group cannot have been reused until it is
		// reaped. A spawner that is late has a group of its own, sees end
		// of file and exits.
		_ = syscall.Kill(-pid, syscall.SIGKILL)
	}
	_, _, _ = sysproc.Reap(pid) // the launcher exits once the spawner is started
	return err
}

// awaitHello reads the spawner's hello.
func (s *Conn) awaitHello(limit time.Duration, token []byte) error {
	fds := []unix.PollFd{{Fd: int32(s.fd), Events: unix.POLLIN}}
	n, err := sysproc.PpollUntil(fds, time.Now().Add(limit))
	switch {
	case err != nil:
		return err
	case n == 0:
		return errNoHello
	}
	buf := make([]byte, 128)
	m, err := sysproc.IgnoringEINTRIO(func() (int, error) { return unix.Read(s.fd, buf) })
	switch {
	case err != nil:
		return err
	case m == 0:
		return errExitedBeforeHello
	}
	h, err := decodeHello(buf[:m], token)
	if err != nil {
		return err
	}
	s.pid, s.floorKiB = h.pid, h.floorKiB
	return nil
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
	fds := []unix.PollFd{{Fd: int32(s.fd), Events: unix.POLLIN}}
	// A signal (the Go runtime preempts threads with SIGURG) must not pass
	// for a dead spawner: only a hang-up says it has died.
	err = sysproc.IgnoringEINTR(func() error {
		_, err := unix.Ppoll(fds, &unix.Timespec{}, nil)
		return err
	})
	if err != nil || fds[0].Revents&(unix.POLLHUP|unix.POLLERR) != 0 {
		unix.Close(pidfd)
		return errors.New("spawner: died after its hello")
	}
	s.pidfd = pidfd
	return nil
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
