//go:build linux

package spawner

// The caller's connection to one spawner: starting it, retiring it,
// killing it, and handing it a run.

import (
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/perfgate/adapters/internal/sysproc"
)

// Conn is the caller's connection to one spawner.
type Conn struct {
	fd  int // control socket, above descriptor 2
	pid int
	// pidfd is the spawner's pidfd, -1 when pidfd_open failed: through
	// it the caller kills a hung spawner and reaps a spawner that became
	// its child (a subreaper's), with no pid-reuse race.
	pidfd int
	// baseKiB is the spawner's VmHWM when it said it was ready, plus its
	// executable's pages (readFloor); maxRuns how many runs it takes at
	// once.
	baseKiB uint64
	maxRuns int
	// state is the caller's state just before it started the spawner,
	// which the spawner inherited.
	state callerState

	mu       sync.Mutex
	dead     bool
	why      string // why it is dead
	inFlight int    // runs handed over and not finished
	closed   bool
	// maxSent is the largest request sent, which the spawner's peak
	// includes from then on.
	maxSent int
}

// FloorKiB is the most of a child's peak that it can have inherited
// from the spawner, now: the spawner's VmHWM when it said it was ready
// and its executable's pages, plus the pages of the largest request it
// has received (its only memory that grows after the hello).
func (s *Conn) FloorKiB() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.baseKiB + pagesKiB(s.maxSent)
}

// gone says whether the spawner's process has exited: its end of the
// control socket is closed (every descriptor of the spawner closes at its
// exit, the control socket, descriptor 3, before the run sockets received
// later) or its pidfd is readable. It waits up to limit for either, for a
// run socket that ended without a reply: a live spawner never closes one
// before replying.
func (s *Conn) gone(limit time.Duration) bool {
	fds := []unix.PollFd{{Fd: int32(s.fd), Events: unix.POLLIN}, {Fd: int32(s.pidfd), Events: unix.POLLIN}}
	if _, err := sysproc.PpollUntil(fds, time.Now().Add(limit)); err != nil {
		return true
	}
	return fds[0].Revents&(unix.POLLHUP|unix.POLLERR) != 0 || fds[1].Revents != 0
}

// deathReason says why s is not used; s may be nil.
func (s *Conn) deathReason() string {
	if s == nil {
		return "the spawner could not be started"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.why
}

func (s *Conn) isDead() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dead
}

// acquire reserves s for one run of size bytes: its control socket stays
// open until the matching release. It returns errGone when s is dead, a
// *FallbackError when s already runs all it can.
func (s *Conn) acquire(size int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.dead:
		return errGone
	case s.inFlight >= s.maxRuns:
		return fallback(ReasonBusy, "")
	}
	s.inFlight++
	s.maxSent = max(s.maxSent, size)
	return nil
}

// release ends a run's use of s, and closes s when it is dead and that
// was its last run.
func (s *Conn) release() {
	s.mu.Lock()
	s.inFlight--
	closeNow := s.dead && s.inFlight == 0 && !s.closed
	s.closed = s.closed || closeNow
	s.mu.Unlock()
	if closeNow {
		s.close()
	}
}

// retire stops the use of s (later runs start a new spawner) and closes
// it once its runs in flight are over: closing the control socket earlier
// would make the spawner kill them.
func (s *Conn) retire(why string) {
	s.mu.Lock()
	if !s.dead {
		s.dead, s.why = true, why
	}
	closeNow := s.inFlight == 0 && !s.closed
	s.closed = s.closed || closeNow
	s.mu.Unlock()
	if closeNow {
		s.close()
	}
}

// close closes the control socket, kills the spawner (it serves no run)
// and reaps it should it be the caller's child, as it is when the caller
// is a child subreaper: waitid on a pidfd that is not our child's fails
// at once with ECHILD.
func (s *Conn) close() {
	unix.Close(s.fd)
	if s.pidfd < 0 {
		return
	}
	_ = unix.PidfdSendSignal(s.pidfd, unix.SIGKILL, nil, 0)
	var info unix.Siginfo
	_ = sysproc.IgnoringEINTR(func() error { return unix.Waitid(unix.P_PIDFD, s.pidfd, &info, unix.WEXITED, nil) })
	unix.Close(s.pidfd)
}

// kill kills a spawner that no longer answers, at once: its runs in
// flight end with it (their children by PR_SET_PDEATHSIG, their groups
// killed by their callers).
func (s *Conn) kill(why string) {
	if s.pidfd >= 0 {
		_ = unix.PidfdSendSignal(s.pidfd, unix.SIGKILL, nil, 0)
	}
	s.retire(why)
}

// send hands a run to the spawner with the child's descriptors 0, 1 and 2;
// it returns the caller's ends of the run socket (the reply) and of the
// side socket (the "started" message), and s stays acquired until the
// run's release; or a *FallbackError (errGone when s has died).
func (s *Conn) send(msg []byte, child [3]int) (run, side int, err error) {
	if err := s.acquire(len(msg)); err != nil {
		return -1, -1, err
	}
	var runPair, sidePair [2]int
	if runPair, err = unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0); err == nil {
		if sidePair, err = unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0); err != nil {
			sysproc.CloseFDs(runPair[:])
		}
	}
	if err != nil {
		s.release()
		return -1, -1, fallback(ReasonHandOver, "socketpair: "+err.Error())
	}
	oob := unix.UnixRights(child[0], child[1], child[2], runPair[1], sidePair[1])
	err = sysproc.IgnoringEINTR(func() error { return unix.Sendmsg(s.fd, msg, oob, nil, unix.MSG_NOSIGNAL) })
	sysproc.CloseFDs([]int{runPair[1], sidePair[1]})
	if err != nil {
		sysproc.CloseFDs([]int{runPair[0], sidePair[0]})
		s.release()
		if err == unix.EPIPE || err == unix.ECONNRESET || err == unix.ENOTCONN {
			s.retire("the spawner has died")
			return -1, -1, errGone
		}
		return -1, -1, fallback(ReasonHandOver, "sendmsg: "+err.Error())
	}
	return runPair[0], sidePair[0], nil
}
