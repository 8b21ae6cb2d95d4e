//go:build linux

package spawner

// A run on the caller's side, killed by the caller itself: at its own
// deadline or when its context is done, when the spawner does not reply,
// or when the spawner has died.

import (
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/perfgate/adapters/internal/killswitch"
	"github.com/perfgate/adapters/internal/spawner/program"
	"github.com/perfgate/adapters/internal/sysproc"
)

// run is a run handed to the spawner.
type run struct {
	s    *Conn
	sock int // the run socket: the reply
	// side is the side socket, where the "started" message waits.
	side      int
	replyWait time.Duration

	// timeout is the run's Timeout; sw its kill switch, which the
	// deadline's timer fires (run.onDeadline).
	timeout time.Duration
	sw      *killswitch.Switch

	mu         sync.Mutex
	pid, pidfd int   // from the "started" message; -1 until then
	startNs    int64 // the child's start (CLOCK_MONOTONIC), from "started"
	killed     bool  // the caller's own kill has fired
	killedAt   time.Time
	gaveUp     bool // the caller gave up on the spawner
	done       bool // the run is over: timers must not touch sock
	giveUp     *time.Timer
	backstop   *time.Timer // the run's deadline, when there is one
	// sideWaiting says awaitStarted polls the side socket: finish wakes
	// it and leaves it the closing.
	sideWaiting bool
}

// fetchStarted reads the "started" message from the side socket, when
// the child is not known yet and the spawner has sent it. Called with r.mu
// held.
func (r *run) fetchStarted() {
	if r.pidfd >= 0 {
		return
	}
	var buf [64]byte
	oob := make([]byte, unix.CmsgSpace(4))
	n, oobn, _, _, err := unix.Recvmsg(r.side, buf[:], oob, unix.MSG_CMSG_CLOEXEC|unix.MSG_DONTWAIT)
	if err != nil {
		return // not sent (yet): the spawner has not started the child
	}
	fds := receivedFDs(oob[:oobn])
	st, err := program.DecodeStarted(buf[:n])
	if err != nil || len(fds) != 1 {
		sysproc.CloseFDs(fds)
		return
	}
	r.pid, r.pidfd, r.startNs = st.Pid, fds[0], st.StartNs
}

// kill is the run's kill, at its deadline or when its context is done:
// it kills the child itself when it knows it, asks the spawner to (which
// knows the child even before the "started" message comes), and gives the
// spawner replyWait to reply.
func (r *run) kill() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.done || r.killed {
		return
	}
	r.killed, r.killedAt = true, time.Now()
	r.fetchStarted()
	r.killChild()
	_, _ = unix.SendmsgN(r.sock, []byte{program.KillByte}, nil, nil, unix.MSG_NOSIGNAL|unix.MSG_DONTWAIT)
	r.giveUp = time.AfterFunc(r.replyWait, func() {
		r.giveUpNow("the spawner did not reply within " + r.replyWait.String() + " of a kill")
	})
}

// killChild kills the child through its pidfd, and its group while the
// child is unreaped: pidfd_send_signal succeeds only then, and the group
// id, the child's pid, cannot be reused before. Called with r.mu held.
func (r *run) killChild() {
	if r.pidfd >= 0 && unix.PidfdSendSignal(r.pidfd, unix.SIGKILL, nil, 0) == nil {
		sysproc.KillGroup(r.pid)
	}
}

// giveUpNow ends the wait for a reply (or a start) that has not come: the
// spawner is taken for hung and killed, and shutting down the caller's end
// of the run socket wakes the output loop with end of file.
func (r *run) giveUpNow(why string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.done || r.gaveUp {
		return
	}
	r.gaveUp = true
	r.fetchStarted()
	r.killChild()
	r.s.kill(why)
	_ = unix.Shutdown(r.sock, unix.SHUT_RDWR)
}

func (r *run) hasGivenUp() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.gaveUp
}

// killLeftovers kills what is left of a run whose spawner died: its child
// died with it (PR_SET_PDEATHSIG), but not the rest of its group. The
// group id stays taken while any member lives, so the kill reaches only
// the run's leftovers.
func (r *run) killLeftovers() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fetchStarted()
	if r.pidfd >= 0 {
		sysproc.KillChildAndGroup(r.pid, r.pidfd)
	}
}

// abandoned is the outcome of a run whose spawner never replied after the
// caller's kill: the caller's own clock, no exit status, no figures.
func (r *run) abandoned(start time.Time, cause killswitch.Cause) Outcome {
	out := Outcome{Start: start, End: r.killedAt, Cause: cause, Abandoned: true}
	out.Note = "the spawner did not reply within " + r.replyWait.String() +
		" of the run's kill, so the caller killed the child and the spawner itself: " +
		"wall time is the caller's, from the hand-over to that kill; the exit status and resource figures are unknown"
	if r.pidfd < 0 {
		out.Note += "; the spawner had not reported starting the child"
	}
	return out
}

// finish ends the run: no timer may touch the run socket after this.
func (r *run) finish() {
	r.mu.Lock()
	r.done = true
	for _, t := range []*time.Timer{r.giveUp, r.backstop} {
		if t != nil {
			t.Stop()
		}
	}
	if r.pidfd >= 0 {
		unix.Close(r.pidfd)
	}
	unix.Close(r.sock)
	if r.sideWaiting {
		_ = unix.Shutdown(r.side, unix.SHUT_RDWR) // wakes awaitStarted, which closes it
	} else {
		unix.Close(r.side)
	}
	r.mu.Unlock()
	r.s.release()
}

// receivedFDs returns the descriptors that came with a message
// (SCM_RIGHTS).
func receivedFDs(oob []byte) []int {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return nil
	}
	var fds []int
	for i := range msgs {
		if got, err := unix.ParseUnixRights(&msgs[i]); err == nil {
			fds = append(fds, got...)
		}
	}
	return fds
}
