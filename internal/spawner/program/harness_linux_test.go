//go:build linux && (amd64 || arm64)

package program

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

var opened struct {
	once sync.Once
	f    *os.File
	err  error
}

// openedImage is Open's descriptor, opened once for the whole test binary.
func openedImage(t testing.TB) *os.File {
	opened.once.Do(func() { opened.f, opened.err = Open() })
	require.NoError(t, opened.err)
	return opened.f
}

// testSpawner is a running spawner program and the test's end of its
// control socket.
type testSpawner struct {
	t      testing.TB
	ctl    int
	hello  Hello
	reaped bool
}

// launch starts the spawner program as a caller does (Launch, with Argv
// or with argv given) and checks its hello. On cleanup it closes the control
// socket and reaps the spawner (re-parented to the test process, a
// subreaper), which must exit 0.
func launch(t testing.TB, argv ...string) *testSpawner {
	ctl, h, err := Launch(ExecPath(openedImage(t)), LaunchOptions{Argv: argv})
	require.NoError(t, err)
	require.Equal(t, MaxRuns, h.MaxRuns)
	s := &testSpawner{t: t, ctl: ctl, hello: h}
	t.Cleanup(func() { s.close() })
	return s
}

// close closes the control socket and reaps the spawner, once.
func (s *testSpawner) close() {
	if s.ctl < 0 {
		return
	}
	unix.Close(s.ctl)
	s.ctl = -1
	if s.reaped || !subreaper {
		return
	}
	var ws unix.WaitStatus
	_, err := unix.Wait4(s.hello.Pid, &ws, 0, nil)
	if err == nil && !(ws.Exited() && ws.ExitStatus() == 0) {
		s.t.Errorf("spawner ended with wait status %#x", ws)
	}
}

// testRun is one request's run socket and side socket (the test's ends).
type testRun struct {
	t          testing.TB
	run, side  int
	started    Started
	pidfd      int
	hasStarted bool
}

// send sends q with the given stdio descriptors; it does not wait.
func (s *testSpawner) send(q Request, stdin, stdout, stderr int) *testRun {
	msg, err := q.Encode()
	require.NoError(s.t, err)
	return s.sendRaw(msg, stdin, stdout, stderr)
}

// sendRaw sends msg as a request with stdin, stdout, stderr, a new run
// socket and a new side socket.
func (s *testSpawner) sendRaw(msg []byte, stdin, stdout, stderr int) *testRun {
	t := s.t
	run, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	require.NoError(t, err)
	side, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	require.NoError(t, err)
	err = unix.Sendmsg(s.ctl, msg, unix.UnixRights(stdin, stdout, stderr, run[1], side[1]), nil, 0)
	unix.Close(run[1])
	unix.Close(side[1])
	require.NoError(t, err)
	return &testRun{t: t, run: trackFD(t, run[0]), side: trackFD(t, side[0]), pidfd: -1}
}

// waitStarted reads the "started" message and its pidfd; false at end of
// file (the spawn failed).
func (r *testRun) waitStarted() bool {
	buf := make([]byte, 64)
	oob := make([]byte, unix.CmsgSpace(4*4))
	n, oobn, _, _, err := unix.Recvmsg(r.side, buf, oob, unix.MSG_CMSG_CLOEXEC)
	require.NoError(r.t, err)
	if n == 0 {
		return false
	}
	r.started, err = DecodeStarted(buf[:n])
	require.NoError(r.t, err)
	msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	require.NoError(r.t, err)
	require.Len(r.t, msgs, 1)
	fds, err := unix.ParseUnixRights(&msgs[0])
	require.NoError(r.t, err)
	require.Len(r.t, fds, 1)
	r.pidfd = trackFD(r.t, fds[0])
	r.hasStarted = true
	return true
}

// reply reads the run's last message.
func (r *testRun) reply() Reply {
	buf := make([]byte, 512)
	n, _, _, _, err := unix.Recvmsg(r.run, buf, nil, 0)
	require.NoError(r.t, err)
	p, err := DecodeReply(buf[:n])
	require.NoError(r.t, err, "reply % x", buf[:n])
	return p
}

// nullFD returns a descriptor of /dev/null, closed on cleanup.
func nullFD(t testing.TB) int {
	fd, err := unix.Open(os.DevNull, unix.O_RDWR|unix.O_CLOEXEC, 0)
	require.NoError(t, err)
	return trackFD(t, fd)
}

// pipeFDs returns a pipe's read and write ends, closed on cleanup (or
// earlier by closeFD).
func pipeFDs(t testing.TB) (r, w int) {
	var p [2]int
	require.NoError(t, unix.Pipe2(p[:], unix.O_CLOEXEC))
	return trackFD(t, p[0]), trackFD(t, p[1])
}

// tracked is the set of the tests' open descriptors: a descriptor is
// closed once, by closeFD or at its test's cleanup, never twice (a second
// close could hit a number reused meanwhile). Tests run one at a time.
var tracked = struct {
	sync.Mutex
	open map[int]bool
}{open: map[int]bool{}}

// trackFD registers fd, to be closed by closeFD or on cleanup.
func trackFD(t testing.TB, fd int) int {
	tracked.Lock()
	tracked.open[fd] = true
	tracked.Unlock()
	t.Cleanup(func() { closeFD(fd) })
	return fd
}

// closeFD closes a tracked descriptor if it is still open.
func closeFD(fd int) {
	tracked.Lock()
	defer tracked.Unlock()
	if tracked.open[fd] {
		delete(tracked.open, fd)
		unix.Close(fd)
	}
}

// procStatus returns the named field of /proc/pid/status.
func procStatus(t testing.TB, pid int, field string) string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	require.NoError(t, err)
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && k == field {
			return strings.TrimSpace(v)
		}
	}
	t.Fatalf("no %s in /proc/%d/status", field, pid)
	return ""
}

// parseLines reads helperStatus's key=value lines.
func parseLines(b []byte) map[string]string {
	m := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok {
			m[k] = v
		}
	}
	return m
}

// readAll reads fd to end of file (with read(2): an os.File would close
// fd when collected).
func readAll(t testing.TB, fd int) []byte {
	var all []byte
	buf := make([]byte, 4096)
	for {
		n, err := unix.Read(fd, buf)
		if err == unix.EINTR {
			continue
		}
		require.NoError(t, err)
		if n == 0 {
			return all
		}
		all = append(all, buf[:n]...)
	}
}

// readLine reads fd up to and without a newline, a byte at a time.
func readLine(t testing.TB, fd int) string {
	var line []byte
	b := make([]byte, 1)
	for {
		n, err := unix.Read(fd, b)
		if err == unix.EINTR {
			continue
		}
		require.NoError(t, err)
		if n == 0 || b[0] == '\n' {
			return string(line)
		}
		line = append(line, b[0])
	}
}

// wait4Pid reaps pid (a child of the test process, or one re-parented to
// it) and returns its wait status.
func wait4Pid(t testing.TB, pid int) unix.WaitStatus {
	var ws unix.WaitStatus
	for {
		_, err := unix.Wait4(pid, &ws, 0, nil)
		if err == unix.EINTR {
			continue
		}
		require.NoError(t, err, "wait4(%d)", pid)
		return ws
	}
}

func monotonic(t testing.TB) int64 {
	var ts unix.Timespec
	require.NoError(t, unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts))
	return ts.Nano()
}

// countFDs counts the spawner's descriptors once it is idle.
func countFDs(t testing.TB, pid int) int {
	waitIdle(t, pid)
	entries, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	require.NoError(t, err)
	return len(entries)
}

// waitIdle returns once the spawner sits in ppoll: when the test expects
// nothing more of it, everything it was asked has been done (the closes
// after a reply, say). It reads /proc/pid/syscall until it does.
func waitIdle(t testing.TB, pid int) {
	want := strconv.Itoa(unix.SYS_PPOLL) + " "
	for {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/syscall", pid))
		require.NoError(t, err)
		if strings.HasPrefix(string(b), want) {
			return
		}
		runtime.Gosched()
	}
}

// nofile is the RLIMIT_NOFILE of process pid, "soft,hard".
func nofile(t testing.TB, pid int) string {
	limits, err := os.ReadFile(fmt.Sprintf("/proc/%d/limits", pid))
	require.NoError(t, err)
	for _, line := range strings.Split(string(limits), "\n") {
		if strings.HasPrefix(line, "Max open files") {
			return strings.Join(strings.Fields(line)[3:5], ",")
		}
	}
	return ""
}
