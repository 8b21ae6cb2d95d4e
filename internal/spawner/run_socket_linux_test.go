//go:build linux

package spawner

// A kill request that crosses the reply on a run socket (a real socket
// pair, in the order that loses the race): the caller must read the reply
// past the ECONNRESET that a close with the request unread gives.

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/perfgate/adapters/internal/spawner/program"
	"github.com/perfgate/adapters/internal/spawner/program/programtest"
	"github.com/perfgate/adapters/internal/sysproc"
)

// A run socket closed with a kill request unread reports ECONNRESET once,
// before the reply: the caller reads the reply all the same, and does not
// take the spawner for dead.
func TestRunReadsTheReplyPastECONNRESET(t *testing.T) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	require.NoError(t, err)
	caller, theirs := fds[0], fds[1]
	t.Cleanup(func() { unix.Close(caller) })
	_, err = unix.Write(caller, []byte{program.KillByte})
	require.NoError(t, err)
	usage := sysproc.Usage{User: time.Millisecond, MaxRSSRaw: 1024}
	_, err = unix.Write(theirs, programtest.EncodeExited(9, 25*time.Millisecond, usage))
	require.NoError(t, err)
	unix.Close(theirs) // the kill request unread: ECONNRESET on caller

	s := &Conn{fd: -1, pidfd: -1}
	r := &run{s: s, sock: caller, side: -1, pid: -1, pidfd: -1}
	var got program.Reply
	replied := false
	exited, err := r.onMessage(&got, &replied)
	require.NoError(t, err)
	assert.True(t, exited)
	assert.True(t, replied)
	assert.Equal(t, program.Reply{Exited: true, Status: 9, Wall: 25 * time.Millisecond, Usage: usage}, got)
	assert.False(t, s.isDead(), "the spawner is not retired")
}

// A Timeout whose deadline cannot be written on the monotonic clock means
// no limit, never a deadline in the past (it overflowed before).
func TestNoDeadlineNearTheLargestDuration(t *testing.T) {
	for _, d := range []time.Duration{0, -1, 1<<63 - 1, 1<<63 - 1 - 50*time.Millisecond, 1<<63 - 1 - time.Duration(monotonicNs())} {
		assert.True(t, noDeadline(d), "%d", d)
	}
	for _, d := range []time.Duration{1, time.Second, 100 * 365 * 24 * time.Hour} {
		assert.False(t, noDeadline(d), "%v", d)
	}
}
