// Package killswitch kills a running child at most once, at its deadline
// or when its context is done, and never after the child has exited. Every
// runner uses it, the spawner's caller side too; it compiles on every OS.
package killswitch

import (
	"context"
	"math"
	"sync"
	"time"
)

// Cause says who killed a run.
type Cause int

const (
	NotKilled  Cause = iota // the run was not killed
	AtDeadline              // killed at its deadline
	ByContext               // killed because its context was done
)

// Switch kills a running child at most once, at its deadline or when its
// context is done, and never after the child has exited: on Unix the
// group id is the child's pid, which may be reused once it is reaped.
type Switch struct {
	mu      sync.Mutex
	killFn  func()
	exited  bool
	cause   Cause
	timer   *time.Timer
	release func() bool
}

// Arm calls killFn at start+timeout (when timeout > 0) or when ctx is
// done, whichever comes first, until MarkExited is called.
func Arm(ctx context.Context, start time.Time, timeout time.Duration, killFn func()) *Switch {
	k := &Switch{killFn: killFn}
	if timeout > 0 {
		k.timer = time.AfterFunc(untilDeadline(start, timeout, time.Now()), func() { k.kill(AtDeadline) })
	}
	if ctx.Done() != nil {
		k.release = context.AfterFunc(ctx, func() { k.kill(ByContext) })
	}
	return k
}

// untilDeadline is how long after now start+timeout comes (timeout > 0),
// saturated at the largest Duration: a start later than now (a clock
// reading taken after it) must not wrap a huge timeout to a past deadline.
func untilDeadline(start time.Time, timeout time.Duration, now time.Time) time.Duration {
	elapsed := now.Sub(start)
	if elapsed < 0 && timeout > math.MaxInt64+elapsed {
		return math.MaxInt64
	}
	return timeout - elapsed
}

func (k *Switch) kill(cause Cause) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.exited || k.cause != NotKilled {
		return
	}
	k.cause = cause
	k.killFn()
}

// MarkExited disarms the switch and says whether it fired.
func (k *Switch) MarkExited() Cause {
	k.mu.Lock()
	k.exited = true
	cause := k.cause
	k.mu.Unlock()
	if k.timer != nil {
		k.timer.Stop()
	}
	if k.release != nil {
		k.release()
	}
	return cause
}

// Kill kills now with cause, as the deadline or the context would: at
// most once, and never after MarkExited. For a deadline its caller holds
// itself (one that may move).
func (k *Switch) Kill(cause Cause) { k.kill(cause) }
