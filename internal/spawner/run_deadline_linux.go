//go:build linux

package spawner

// A run's deadline, held by the caller: Timeout from the child's start,
// which the "started" message gives. The spawner program has no clock of
// its own for it. A child the spawner has not started yet (queued behind
// other spawns) has not begun its Timeout, so the timer is armed at
// Timeout after the hand-over, the earliest the deadline can be, and moved
// to the child's start + Timeout when it fires before that.

import (
	"math"
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

// noDeadline says whether a Timeout is so long that its deadline cannot be
// written from now on either clock: it means no limit, as in the direct
// runner, rather than a sum that overflows into the past.
func noDeadline(timeout time.Duration) bool {
	now := time.Now()
	return timeout <= 0 || int64(timeout) > math.MaxInt64-monotonicNs() || now.Add(timeout).Before(now)
}

// armDeadline arms the deadline's timer at Timeout after the hand-over:
// the child cannot have started earlier.
func (r *run) armDeadline(handedAt time.Time, timeout time.Duration, sw *killswitch.Switch) {
	if noDeadline(timeout) {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.timeout, r.sw = timeout, sw
	r.backstop = time.AfterFunc(time.Until(handedAt.Add(timeout)), r.onDeadline)
}

// onDeadline kills the run at its deadline, measured from the child's
// start; when the spawner has not reported that start, it waits
// replyWait for it, and gives up on the spawner if it does not come.
func (r *run) onDeadline() {
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

// leftAfterStart is the time left until the child's start + Timeout; 0
// when the start is unknown (the spawn failed, or the spawner died before
// it). Called with r.mu held.
func (r *run) leftAfterStart() time.Duration {
	if r.startNs <= 0 {
		return 0
	}
	return time.Duration(r.startNs + int64(r.timeout) - monotonicNs())
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
