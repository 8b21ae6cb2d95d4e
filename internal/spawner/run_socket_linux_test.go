//go:build linux

package spawner

// A kill request that crosses the reply on a run socket (a real socket
// pair, in the order that loses the race): the spawner's close must not
// turn it into ECONNRESET, and the caller must read the reply past one.

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// runSocketPair is a run socket: the caller's end and the spawner's.
func runSocketPair(t *testing.T) (caller, spawner int) {
	t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	require.NoError(t, err)
	t.Cleanup(func() { unix.Close(fds[0]) })
	return fds[0], fds[1]
}

// killCrossesReply sets up the race: the caller's kill request is queued
// on the spawner's end, and the spawner's reply on the caller's.
func killCrossesReply(t *testing.T) (caller, spawner int, want reply) {
	t.Helper()
	caller, spawner = runSocketPair(t)
	_, err := unix.Write(caller, []byte{killRequest})
	require.NoError(t, err)
	want = sampleReply()
	_, err = unix.Write(spawner, want.encode())
	require.NoError(t, err)
	return caller, spawner, want
}

// The spawner reads the kill requests still queued before it closes the
// run socket: the caller then reads the reply with no error before it.
func TestCloseRunSocketDrainsKillRequests(t *testing.T) {
	caller, theirs, want := killCrossesReply(t)
	closeRunSocket(theirs)
	var buf [256]byte
	n, err := unix.Read(caller, buf[:])
	require.NoError(t, err, "no ECONNRESET before the reply")
	got, err := decodeReply(buf[:n])
	require.NoError(t, err)
	assert.Equal(t, want, got)
}

// A run socket closed with a kill request unread reports ECONNRESET once,
// before the reply: the caller reads the reply all the same, and does not
// take the spawner for dead.
func TestRunReadsTheReplyPastECONNRESET(t *testing.T) {
	caller, theirs, want := killCrossesReply(t)
	unix.Close(theirs) // the kill request unread: ECONNRESET on caller
	s := &Conn{fd: -1, pidfd: -1}
	r := &run{s: s, sock: caller, side: -1, pid: -1, pidfd: -1}
	var got reply
	replied := false
	exited, err := r.onMessage(&got, &replied)
	require.NoError(t, err)
	assert.True(t, exited)
	assert.True(t, replied)
	assert.Equal(t, want, got)
	assert.False(t, s.isDead(), "the spawner is not retired")
}
