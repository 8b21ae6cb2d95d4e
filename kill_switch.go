package adapters

import (
	"context"
	"sync"
	"time"
)

// killCause says who killed a run.
type killCause int

const (
	notKilled killCause = iota
	killedAtDeadline
	killedByContext
)

// killSwitch kills a running child at most once, at its deadline or when
// its context is done, and never after the child has exited: on Unix the
// group id is the child's pid, which may be reused once it is reaped.
type killSwitch struct {
	mu      sync.Mutex
	killFn  func()
	exited  bool
	cause   killCause
	timer   *time.Timer
	release func() bool
}

// armKillSwitch calls killFn at start+timeout (when timeout > 0) or when
// ctx is done, whichever comes first, until markExited is called.
func armKillSwitch(ctx context.Context, start time.Time, timeout time.Duration, killFn func()) *killSwitch {
	k := &killSwitch{killFn: killFn}
	if timeout > 0 {
		k.timer = time.AfterFunc(timeout-time.Since(start), func() { k.kill(killedAtDeadline) })
	}
	if ctx.Done() != nil {
		k.release = context.AfterFunc(ctx, func() { k.kill(killedByContext) })
	}
	return k
}

func (k *killSwitch) kill(cause killCause) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.exited || k.cause != notKilled {
		return
	}
	k.cause = cause
	k.killFn()
}

// markExited disarms the switch and says whether it fired.
func (k *killSwitch) markExited() killCause {
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
