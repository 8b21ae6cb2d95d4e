//go:build linux

package spawner

// What the root package's tests use to reach the process's spawner. They
// are exported, and so in a production file, because those tests are in
// another package, which cannot see an export_test.go of this one: the
// library calls none of it, and reads TestHooks only to find it empty.

import (
	"context"
	"time"

	"golang.org/x/sys/unix"
)

// TestHooks lets tests start another program as the spawner. Only tests
// set it, never concurrently with a run.
var TestHooks struct {
	// Exe is the program started as the spawner; empty means the
	// spawner program (program.Open).
	Exe string
}

// Live returns the live spawner, starting one when needed; nil when there
// is none to use. For tests.
func Live() *Conn {
	s, _ := get(context.Background(), 0)
	return s
}

// Reset makes the next run start a fresh spawner, with the restart bounds
// reset; the old one is killed once idle, and one that is starting as
// soon as it has started. For tests.
func Reset() {
	mu.Lock()
	defer mu.Unlock()
	if s := current; s != nil {
		s.retire("reset by a test")
	}
	current, starting, starts, retryAt, backoff = nil, nil, nil, time.Time{}, 0
}

// Pid is the spawner's process id.
func (s *Conn) Pid() int { return s.pid }

// AwaitExit waits until the spawner's end of the control socket is
// closed: its whole process has exited (its leader may show as a zombie
// while its other threads still hold its descriptors).
func (s *Conn) AwaitExit() {
	fds := []unix.PollFd{{Fd: int32(s.fd), Events: unix.POLLIN}}
	for fds[0].Revents&unix.POLLHUP == 0 {
		_, _ = unix.Ppoll(fds, nil, nil)
	}
}
