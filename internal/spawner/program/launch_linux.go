package program

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/perfgate/adapters/internal/sysproc"
)

// BeforeForkError is Launch's error when it failed before any launcher
// ran: for want of a descriptor, of memory or of a process
// (sysproc.IsShortage). Nothing of the program ran, so a caller may try
// again at once.
type BeforeForkError struct{ Err error }

func (e *BeforeForkError) Error() string { return e.Err.Error() }
func (e *BeforeForkError) Unwrap() error { return e.Err }

// Launch's errors when the program did not say hello; compare with
// errors.Is.
var (
	// ErrNoHello: no hello came within LaunchOptions.HelloWait.
	ErrNoHello = errors.New("spawner: no hello")
	// ErrBadHello: what came is not a hello.
	ErrBadHello = errors.New("spawner: bad hello")
	// ErrExitedBeforeHello: the launcher (or the spawner) exited before
	// the hello, as a program other than the spawner does.
	ErrExitedBeforeHello = errors.New("spawner: exited before its hello")
)

// LaunchOptions are Launch's.
type LaunchOptions struct {
	// Argv is the program's argv; nil means Argv.
	Argv []string
	// HelloWait bounds the wait for the hello of a program that neither
	// says hello nor exits; 0 waits for ever.
	HelloWait time.Duration
}

// Launch starts the program at exe (ExecPath of an Open descriptor, or a
// test's stand-in) as every caller does, and reads its hello. It returns
// the caller's end of the control socket, close-on-exec and above
// descriptor 2 (a caller that closed its stdin must not find it as
// descriptor 0), and the hello.
//
// The process started is the launcher: syscall.ForkExec with descriptors
// 0, 1 and 2 on the null device (not even the caller's stderr: a spawner
// holding a pipe the caller's own reader waits on would delay that
// reader's end of file), 3 the program's end of a new SOCK_SEQPACKET pair,
// an empty environment and a process group of its own. The program forks
// once and the launcher exits, so that the spawner is not the caller's
// child (the caller's wait4(-1) never sees it); Launch reaps the launcher.
// Should no hello come, the launcher's group is killed: the launcher, not
// reaped yet, may hang or have left something in it, and its group id
// cannot have been reused; a spawner that is late sees end of file on its
// control socket and exits.
//
// A failure before the launcher ran is a *BeforeForkError; no hello is
// ErrNoHello, ErrBadHello or ErrExitedBeforeHello.
func Launch(exe string, o LaunchOptions) (ctl int, h Hello, err error) {
	if o.Argv == nil {
		o.Argv = Argv
	}
	null, err := sysproc.DevNull()
	if err != nil {
		return -1, h, &BeforeForkError{err}
	}
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, h, &BeforeForkError{os.NewSyscallError("socketpair", err)}
	}
	ctl, theirs := fds[0], fds[1]
	if ctl, err = sysproc.MoveAboveStdio(ctl); err != nil {
		unix.Close(theirs)
		return -1, h, &BeforeForkError{err}
	}
	launcher, err := syscall.ForkExec(exe, o.Argv, &syscall.ProcAttr{
		Env:   []string{},
		Files: []uintptr{uintptr(null), uintptr(null), uintptr(null), uintptr(theirs)},
		Sys:   &syscall.SysProcAttr{Setpgid: true},
	})
	// From now on only the program holds its end: a launcher that exits
	// without starting a spawner shows as end of file at once.
	unix.Close(theirs)
	switch {
	case err != nil && sysproc.IsShortage(err):
		err = &BeforeForkError{err}
	case err != nil:
		err = &os.PathError{Op: "exec", Path: exe, Err: err}
	default:
		h, err = awaitHello(ctl, o.HelloWait)
		if err != nil {
			sysproc.KillGroup(launcher)
		}
		if status, _, werr := sysproc.Reap(launcher); err != nil && werr == nil && !(status.Exited() && status.ExitStatus() == 0) {
			err = fmt.Errorf("%w (the launcher ended with wait status %#x)", err, uint32(status))
		}
	}
	if err != nil {
		unix.Close(ctl)
		return -1, h, err
	}
	return ctl, h, nil
}

// awaitHello reads the hello from ctl, waiting at most limit (when set).
func awaitHello(ctl int, limit time.Duration) (Hello, error) {
	var deadline time.Time
	if limit > 0 {
		deadline = time.Now().Add(limit)
	}
	fds := []unix.PollFd{{Fd: int32(ctl), Events: unix.POLLIN}}
	n, err := sysproc.PpollUntil(fds, deadline)
	switch {
	case err != nil:
		return Hello{}, err
	case n == 0:
		return Hello{}, ErrNoHello
	}
	buf := make([]byte, HelloSize+1)
	m, err := sysproc.IgnoringEINTRIO(func() (int, error) { return unix.Read(ctl, buf) })
	switch {
	case err != nil:
		return Hello{}, err
	case m == 0:
		return Hello{}, ErrExitedBeforeHello
	}
	h, err := DecodeHello(buf[:m])
	if err != nil {
		return Hello{}, fmt.Errorf("%w: %w", ErrBadHello, err)
	}
	return h, nil
}
