//go:build linux

package spawner

// The protocol against a real spawner (this test binary, started through
// the launcher as a caller would): every step waits for a message or an
// exit, never for a time.

import (
	"os"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/perfgate/adapters/internal/killswitch"
	"github.com/perfgate/adapters/internal/sysproc"
)

// testSpawner starts a spawner of its own, killed at the test's end.
func testSpawner(t *testing.T) (*Conn, string) {
	t.Helper()
	exe, err := os.Executable()
	require.NoError(t, err)
	s, err := start(exe)
	require.NoError(t, err)
	t.Cleanup(func() { s.retire("the test is over") }) // kills it
	assert.Positive(t, s.Pid())
	assert.Positive(t, s.FloorKiB(), "the hello carries the spawner's VmHWM")
	return s, exe
}

// helperRequest runs the test binary as the helper name.
func helperRequest(exe, name string) []byte {
	q := Request{Path: exe, Dir: "/", Argv: []string{exe}, Env: []string{helperEnvKey + "=" + name}}
	return q.encode()
}

// sent is a request handed over: the caller's ends of its sockets, and
// the write end of the child's stdin.
type sent struct{ sock, side, stdin int }

// send hands msg to s with a pipe as the child's stdin (kept open: a
// "block" child runs until it is closed or the child killed) and the null
// device as its stdout and stderr.
func send(t *testing.T, s *Conn, msg []byte) sent {
	t.Helper()
	var stdin [2]int
	require.NoError(t, unix.Pipe2(stdin[:], unix.O_CLOEXEC))
	null, err := sysproc.DevNull()
	require.NoError(t, err)
	sock, side, err := s.send(msg, [3]int{stdin[0], null, null})
	unix.Close(stdin[0])
	require.NoError(t, err)
	r := sent{sock, side, stdin[1]}
	t.Cleanup(func() {
		sysproc.CloseFDs([]int{r.sock, r.side, r.stdin})
		s.release()
	})
	return r
}

// awaitReply reads the reply, blocking until it comes.
func awaitReply(t *testing.T, sock int) reply {
	t.Helper()
	var buf [256]byte
	n, err := sysproc.IgnoringEINTRIO(func() (int, error) { return unix.Read(sock, buf[:]) })
	require.NoError(t, err)
	p, err := decodeReply(buf[:n])
	require.NoError(t, err)
	return p
}

// started reads the "started" message, which the spawner sends before it
// can reply, and closes the pidfd that comes with it.
func started(t *testing.T, side int) int {
	t.Helper()
	var buf [64]byte
	oob := make([]byte, unix.CmsgSpace(4))
	n, oobn, _, _, err := unix.Recvmsg(side, buf[:], oob, unix.MSG_CMSG_CLOEXEC|unix.MSG_DONTWAIT)
	require.NoError(t, err)
	fds := receivedFDs(oob[:oobn])
	sysproc.CloseFDs(fds)
	require.Len(t, fds, 1, "the child's pidfd")
	pid, _, err := decodeStarted(buf[:n])
	require.NoError(t, err)
	return pid
}

func TestServerRunsARequest(t *testing.T) {
	s, exe := testSpawner(t)
	r := send(t, s, helperRequest(exe, "exit3"))
	p := awaitReply(t, r.sock)
	status := syscall.WaitStatus(p.status)
	assert.Zero(t, p.errno)
	assert.True(t, status.Exited())
	assert.Equal(t, 3, status.ExitStatus())
	assert.Equal(t, killswitch.NotKilled, p.cause)
	assert.Positive(t, p.wall)
	assert.Positive(t, p.usage.MaxRSSRaw)
	assert.Positive(t, p.floorKiB)
	assert.Positive(t, started(t, r.side))
}

// The kill requests: 'k' (the context) and 't' (the caller's deadline).
func TestServerKillRequests(t *testing.T) {
	s, exe := testSpawner(t)
	for request, cause := range map[byte]killswitch.Cause{killRequest: killswitch.ByContext,
		deadlineRequest: killswitch.AtDeadline} {
		r := send(t, s, helperRequest(exe, "block"))
		_, err := unix.Write(r.sock, []byte{request})
		require.NoError(t, err)
		p := awaitReply(t, r.sock)
		assert.Equal(t, cause, p.cause, "request %q", request)
		assert.Equal(t, syscall.SIGKILL, syscall.WaitStatus(p.status).Signal(), "request %q", request)
	}
}

// A child that never exits by itself is killed at the request's deadline.
func TestServerDeadline(t *testing.T) {
	s, exe := testSpawner(t)
	msg := helperRequest(exe, "block")
	q, err := decodeRequest(msg)
	require.NoError(t, err)
	q.Timeout = 1 // ns: it has passed by the first wait
	r := send(t, s, q.encode())
	p := awaitReply(t, r.sock)
	assert.Equal(t, killswitch.AtDeadline, p.cause)
	assert.Equal(t, syscall.SIGKILL, syscall.WaitStatus(p.status).Signal())
}

// A program that cannot start gets its errno, and no "started" message.
func TestServerStartError(t *testing.T) {
	s, _ := testSpawner(t)
	q := Request{Path: "/no/such/program", Dir: "/", Argv: []string{"x"}}
	r := send(t, s, q.encode())
	p := awaitReply(t, r.sock)
	assert.Equal(t, int64(syscall.ENOENT), p.errno)
	// The spawner closes its end of the side socket once the spawn is
	// over: waiting for that end of file cannot hang.
	n, oobn, _, _, err := unix.Recvmsg(r.side, make([]byte, 64), make([]byte, unix.CmsgSpace(4)), unix.MSG_CMSG_CLOEXEC)
	require.NoError(t, err)
	assert.Zero(t, n+oobn, "end of file on the side socket, no \"started\" message")
}

// A malformed request, or one without its five descriptors, is dropped;
// the next one is served.
func TestServerDropsMalformedRequests(t *testing.T) {
	s, exe := testSpawner(t)
	null, err := sysproc.DevNull()
	require.NoError(t, err)
	good := helperRequest(exe, "exit3")
	junk := unix.UnixRights(null, null, null, null, null)
	for _, m := range []struct {
		msg, oob []byte
	}{{good[:len(good)-1], junk}, {good, nil}, {good, unix.UnixRights(null)}} {
		require.NoError(t, unix.Sendmsg(s.fd, m.msg, m.oob, nil, unix.MSG_NOSIGNAL))
	}
	r := send(t, s, good)
	p := awaitReply(t, r.sock)
	assert.Equal(t, 3, syscall.WaitStatus(p.status).ExitStatus())
}

// When the caller's end of the control socket is shut, the spawner kills
// the runs in flight, replies for them, and exits.
func TestServerKillsItsRunsWhenTheCallerGoes(t *testing.T) {
	s, exe := testSpawner(t)
	r := send(t, s, helperRequest(exe, "block"))
	require.NoError(t, unix.Shutdown(s.fd, unix.SHUT_WR))
	p := awaitReply(t, r.sock)
	assert.Equal(t, syscall.SIGKILL, syscall.WaitStatus(p.status).Signal())
	s.AwaitExit()
}
