//go:build linux

package spawner

// The caller's own deadline for a run handed to the spawner, its backstop
// should the spawner be late: Timeout + deadlineSlack from the child's
// start, which the "started" message gives. A child the spawner has not
// started yet (runs queued behind others) has not begun its Timeout.

import (
	"time"

	"golang.org/x/sys/unix"

	"github.com/perfgate/adapters/internal/killswitch"
	"github.com/perfgate/adapters/internal/sysproc"
)

// monotonicNs is CLOCK_MONOTONIC in nanoseconds, the clock the "started"
// message gives the child's start in: the same in the caller and the
// spawner.
func monotonicNs() int64 {
	var ts unix.Timespec
	if unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts) != nil {
		return 0
	}
	return ts.Nano()
}

// armDeadline arms the backstop at Timeout + deadlineSlack after the
// hand-over: the child cannot have started earlier. When it fires it is
// moved to the child's start + Timeout + deadlineSlack if that is later.
func (r *run) armDeadline(handedAt time.Time, timeout time.Duration, sw *killswitch.Switch) {
	if timeout <= 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.timeout, r.sw = timeout, sw
	r.backstop = time.AfterFunc(time.Until(handedAt.Add(timeout+deadlineSlack)), r.onBackstop)
}

// onBackstop kills the run at the caller's deadline, measured from the
// child's start; when the spawner has not reported that start, it waits
// replyWait for it, and gives up on the spawner if it does not come.
func (r *run) onBackstop() {
	r.mu.Lock()
	if r.done || r.killed {
		r.mu.Unlock()
		return
	}
	r.fetchStarted()
	if r.pidfd < 0 {
		r.mu.Unlock()
		if !r.awaitStarted() {
			r.sw.Kill(killswitch.AtDeadline)
			r.giveUpNow("the spawner did not start the child within " + r.replyWait.String() + " of its deadline")
			return
		}
		r.mu.Lock()
		if r.done || r.killed {
			r.mu.Unlock()
			return
		}
		r.fetchStarted()
	}
	if left := r.leftAfterStart(); left > 0 {
		r.backstop.Reset(left)
		r.mu.Unlock()
		return
	}
	r.mu.Unlock()
	r.sw.Kill(killswitch.AtDeadline)
}

// leftAfterStart is the time left until the child's start + Timeout +
// deadlineSlack; 0 when the start is unknown (the spawn failed, or the
// spawner died before it). Called with r.mu held.
func (r *run) leftAfterStart() time.Duration {
	if r.startNs <= 0 {
		return 0
	}
	return time.Duration(r.startNs + int64(r.timeout+deadlineSlack) - monotonicNs())
}

// awaitStarted waits up to replyWait for the side socket to be readable:
// the "started" message, or its end of file (the spawn failed, or the
// spawner died). It says whether either came. The run's finish wakes it
// (shutdown), and leaves it the closing of the side socket.
func (r *run) awaitStarted() bool {
	r.mu.Lock()
	if r.done {
		r.mu.Unlock()
		return true
	}
	r.sideWaiting = true
	fds := []unix.PollFd{{Fd: int32(r.side), Events: unix.POLLIN}}
	r.mu.Unlock()
	n, err := sysproc.PpollUntil(fds, time.Now().Add(r.replyWait))
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sideWaiting = false
	if r.done {
		unix.Close(r.side)
		return true
	}
	return n > 0 || err != nil // an error of our own poll is no sign of a hung spawner
}
