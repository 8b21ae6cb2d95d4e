//go:build linux

package spawner

// The spawner of this process: started on first use, restarted (within
// bounds) when it has died or was retired. A start runs on a goroutine of
// its own: runs wait for it within their own deadline, and never hold mu
// while it runs.

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/perfgate/adapters/internal/spawner/program"
	"github.com/perfgate/adapters/internal/sysproc"
)

// The spawner of this process, the start under way, and the state of its
// restarts (its bounds: maxStarts, startWindow, firstRetry, lastRetry).
var (
	mu         sync.Mutex
	current    *Conn
	starting   *attempt
	starts     []time.Time
	retryAt    time.Time
	backoff    time.Duration
	lastFailed string
)

// attempt is one start of a spawner. done is closed when it is over; s
// and err are its outcome then.
type attempt struct {
	done chan struct{}
	at   time.Time
	s    *Conn
	err  error
}

// get returns the live spawner, starting one when there is none or the
// last has died or was retired, within the bounds; else a *FallbackError
// that says why there is none to use (the caller then spawns directly).
// A run that finds a start under way, its own or another's, waits for it
// until ctx is done or, when limit is set (the run's Timeout), for at
// most limit.
func get(ctx context.Context, limit time.Duration) (*Conn, *FallbackError) {
	s, a, fb := lookup()
	if a == nil {
		return s, fb
	}
	return a.wait(ctx, limit)
}

// lookup returns the live spawner, or the start under way (begun now
// when there is none and the bounds allow), or why there is neither.
func lookup() (*Conn, *attempt, *FallbackError) {
	mu.Lock()
	defer mu.Unlock()
	old := current
	switch {
	case old != nil && !old.isDead():
		return old, nil, nil
	case starting != nil:
		return nil, starting, nil
	}
	now := time.Now()
	if now.Before(retryAt) {
		return nil, nil, fallback(ReasonCannotStart, lastFailed)
	}
	if n := len(starts); n >= maxStarts && now.Sub(starts[n-maxStarts]) < startWindow {
		return nil, nil, fallback(ReasonRestartLimit, old.deathReason())
	}
	starts = append(starts[max(0, len(starts)-maxStarts+1):], now)
	starting = &attempt{done: make(chan struct{}), at: now}
	go starting.run()
	return nil, starting, nil
}

// run starts a spawner and records the outcome: the process's spawner,
// or a failure. A failure before any launcher ran is retried at the next
// run and counts toward no bound; one for want of a resource of the
// caller's after that is retried at the next run too, within the restart
// bound; any other (a launcher or spawner that exited or hung, a bad
// hello, a program that cannot be executed) backs off.
func (a *attempt) run() {
	s, err := start()
	mu.Lock()
	orphaned := starting != a // Reset while it started
	var early *program.BeforeForkError
	switch {
	case orphaned:
	case err == nil:
		current, backoff = s, 0
	case errors.As(err, &early):
		if n := len(starts); n > 0 && starts[n-1].Equal(a.at) {
			starts = starts[:n-1]
		}
	case sysproc.IsShortage(err):
		// The caller's want (of a descriptor for the pidfd, say), not the
		// spawner's failure: no backoff, but the start counts.
	default:
		backoff = min(max(2*backoff, firstRetry), lastRetry)
		retryAt, lastFailed = time.Now().Add(backoff), err.Error()
	}
	if !orphaned {
		starting = nil
	}
	a.s, a.err = s, err
	mu.Unlock()
	if orphaned && s != nil {
		s.retire("reset by a test")
	}
	close(a.done)
}

// wait waits for a's outcome until ctx is done or limit (when set) has
// passed.
func (a *attempt) wait(ctx context.Context, limit time.Duration) (*Conn, *FallbackError) {
	var expired <-chan time.Time
	if limit > 0 {
		t := time.NewTimer(limit)
		defer t.Stop()
		expired = t.C
	}
	select {
	case <-a.done:
	case <-ctx.Done():
	case <-expired:
	}
	select {
	case <-a.done: // an outcome that came at the deadline is used
	default:
		return nil, fallback(ReasonStarting, "")
	}
	if a.err != nil {
		return nil, fallback(ReasonCannotStart, a.err.Error())
	}
	return a.s, nil
}
