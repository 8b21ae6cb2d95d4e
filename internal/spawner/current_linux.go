//go:build linux

package spawner

// The spawner of this process: started on first use, restarted (within
// bounds) when it has died or was retired.

import (
	"sync"
	"time"
)

// The spawner of this process, and the state of its restarts (the bounds
// are in fallback.go).
var (
	mu         sync.Mutex
	current    *Conn
	starts     []time.Time
	retryAt    time.Time
	backoff    time.Duration
	lastFailed string
)

// TestHooks lets tests start another program as the spawner. Only tests
// set it, never concurrently with a run.
var TestHooks struct {
	// Exe is the program started as the spawner; empty means
	// /proc/self/exe.
	Exe string
}

// get returns the live spawner, starting one when there is none or the
// last has died or was retired, within the bounds; else a *FallbackError
// that says why there is none to use (the caller then spawns directly).
func get() (*Conn, *FallbackError) {
	mu.Lock()
	defer mu.Unlock()
	old := current
	if old != nil && !old.isDead() {
		return old, nil
	}
	now := time.Now()
	if now.Before(retryAt) {
		return nil, fallback(ReasonCannotStart, lastFailed)
	}
	if n := len(starts); n >= maxStarts && now.Sub(starts[n-maxStarts]) < startWindow {
		return nil, fallback(ReasonRestartLimit, old.deathReason())
	}
	starts = append(starts[max(0, len(starts)-maxStarts+1):], now)
	exe := TestHooks.Exe
	if exe == "" {
		exe = "/proc/self/exe"
	}
	s, err := start(exe)
	if err != nil {
		backoff = min(max(2*backoff, firstRetry), lastRetry)
		retryAt, lastFailed = time.Now().Add(backoff), err.Error()
		return nil, fallback(ReasonCannotStart, err.Error())
	}
	current, backoff = s, 0
	return s, nil
}

// Live returns the live spawner, starting one when needed; nil when there
// is none to use. For tests.
func Live() *Conn {
	s, _ := get()
	return s
}

// Reset makes the next run start a fresh spawner, with the restart bounds
// reset; the old one is killed once idle. For tests.
func Reset() {
	mu.Lock()
	defer mu.Unlock()
	if s := current; s != nil {
		s.retire("reset by a test")
	}
	current, starts, retryAt, backoff = nil, nil, time.Time{}, 0
}
