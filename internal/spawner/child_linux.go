//go:build linux

package spawner

// A run in the spawner, from its spawn to its reply.

import (
	"errors"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/perfgate/adapters/internal/killswitch"
	"github.com/perfgate/adapters/internal/peak"
	"github.com/perfgate/adapters/internal/sysproc"
)

// child is a run in the spawner, from its spawn to its reply.
type child struct {
	pid, pidfd, sock int
	sockOpen         bool
	start, deadline  time.Time
	reply            reply
}

// spawn starts one child with the descriptors fdsIn (stdin, stdout,
// stderr, run socket, side socket) and returns it, or nil when it could
// not start (the reply is sent then).
func (srv *server) spawn(q *Request, fdsIn []int) *child {
	sock, side := fdsIn[3], fdsIn[4]
	defer unix.Close(side)
	pidfd := -1
	attr := &syscall.ProcAttr{
		Dir:   q.Dir,
		Env:   q.Env,
		Files: []uintptr{uintptr(fdsIn[0]), uintptr(fdsIn[1]), uintptr(fdsIn[2])},
		Sys: &syscall.SysProcAttr{
			Setpgid: true,
			PidFD:   &pidfd,
			// Should the spawner die, its children go with it.
			Pdeathsig: syscall.SIGKILL,
		},
	}
	srv.spawnMu.Lock()
	if q.Ignored != srv.ignored {
		setIgnored(srv.ignored, q.Ignored)
		srv.ignored = q.Ignored
	}
	if srv.alive() == 0 {
		srv.resetPeak()
	}
	startNs, start := monotonicNs(), time.Now()
	pid, _, err := syscall.StartProcess(q.Path, q.Argv, attr)
	if err == nil {
		srv.mu.Lock()
		srv.children[pid] = pidfd
		srv.mu.Unlock()
	}
	srv.spawnMu.Unlock()
	sysproc.CloseFDs(fdsIn[:3])
	if err != nil {
		var errno syscall.Errno
		if !errors.As(err, &errno) || errno == 0 {
			errno = syscall.EINVAL
		}
		p := reply{errno: int64(errno)}
		_, _ = unix.Write(sock, p.encode())
		closeRunSocket(sock)
		return nil
	}
	// The caller holds the run's deadline too: it needs the child, which
	// the pidfd names without a pid-reuse race. The message waits on the
	// side socket, which the caller reads only when it must kill, so that
	// it costs the caller no wake-up. A caller that has gone makes this
	// fail, which changes nothing.
	_ = unix.Sendmsg(side, encodeStarted(pid, startNs), unix.UnixRights(pidfd), nil, unix.MSG_NOSIGNAL|unix.MSG_DONTWAIT)
	c := &child{pid: pid, pidfd: pidfd, sock: sock, sockOpen: true, start: start}
	if q.Timeout > 0 {
		c.deadline = start.Add(q.Timeout)
	}
	return c
}

// sockFD is the run socket while it is open, else -1 (ppoll skips it).
func (c *child) sockFD() int {
	if c.sockOpen {
		return c.sock
	}
	return -1
}

// pendingDeadline is the run's deadline while it has not been killed,
// killing the group when it has come; zero when there is none to wait for.
func (c *child) pendingDeadline() time.Time {
	if c.deadline.IsZero() || c.reply.cause != killswitch.NotKilled {
		return time.Time{}
	}
	if !time.Now().Before(c.deadline) {
		c.reply.cause = killswitch.AtDeadline
		sysproc.KillChildAndGroup(c.pid, c.pidfd)
		return time.Time{}
	}
	return c.deadline
}

// handle takes the revents of the pidfd and the run socket; it returns
// true when the child has exited (the time is taken at once).
func (c *child) handle(exitRev, sockRev int16) bool {
	if exitRev != 0 {
		c.reply.wall = time.Since(c.start)
		return true
	}
	if sockRev != 0 && c.sockOpen {
		var one [16]byte
		n, err := unix.Read(c.sock, one[:])
		if err == unix.EINTR || err == unix.EAGAIN {
			return false
		}
		// A kill request ('t' at the caller's deadline, which comes after
		// the spawner's own only when the spawner was late), or the
		// caller gave up on the run.
		if c.reply.cause == killswitch.NotKilled {
			c.reply.cause = killswitch.ByContext
			if n == 1 && one[0] == deadlineRequest {
				c.reply.cause = killswitch.AtDeadline
			}
			sysproc.KillChildAndGroup(c.pid, c.pidfd)
		}
		if n <= 0 {
			c.sockOpen = false
		}
	}
	return false
}

// wait waits for c on a goroutine of its own, then finishes it.
func (srv *server) wait(c *child) {
	fds := [2]unix.PollFd{{Fd: int32(c.pidfd), Events: unix.POLLIN}, {Events: unix.POLLIN}}
	for {
		fds[1].Fd = int32(c.sockFD())
		if _, err := sysproc.PpollUntil(fds[:], c.pendingDeadline()); err != nil {
			c.reply.wall = time.Since(c.start)
			break
		}
		if c.handle(fds[0].Revents, fds[1].Revents) {
			break
		}
	}
	srv.finish(c)
}

// finish kills what is left of the group, reaps the child and replies.
// The child leaves the map before it is reaped: killAll, on another
// goroutine, must not signal a group id that the reap makes reusable.
func (srv *server) finish(c *child) {
	// The child has exited, so exec has long folded the spawner's peak
	// into it (since Linux 7.2 that happens after the spawn returns, in
	// setup_new_exec), and while it is in children no reset has lowered
	// that peak: the floor read now bounds what the child inherited.
	c.reply.floorKiB = peak.Own().FloorKiB()
	sysproc.KillGroup(c.pid) // leftovers
	srv.mu.Lock()
	delete(srv.children, c.pid)
	srv.mu.Unlock()
	status, usage, _ := sysproc.Reap(c.pid)
	c.reply.status, c.reply.usage = uint32(status), sysproc.UsageOf(&usage)
	_, _ = unix.Write(c.sock, c.reply.encode())
	closeRunSocket(c.sock)
	unix.Close(c.pidfd)
}

// closeRunSocket closes a run socket after its reply, reading first the
// kill requests still queued on it: closing an AF_UNIX socket with unread
// data makes the caller's next read fail with ECONNRESET, before the
// reply it has not read yet. A request sent after this drain still does
// that; the caller reads again then (run.onMessage).
func closeRunSocket(sock int) {
	var buf [16]byte
	for {
		n, _, err := unix.Recvfrom(sock, buf[:], unix.MSG_DONTWAIT)
		if err != unix.EINTR && (err != nil || n <= 0) {
			break
		}
	}
	unix.Close(sock)
}
