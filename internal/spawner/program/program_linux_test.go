//go:build linux && (amd64 || arm64)

package program

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// The helper-process pattern of os/exec's tests (and the root package's
// helper_process_test.go): the test binary re-executes itself as the
// child the spawner program starts; TestMain, seeing helperEnvKey in its
// environment, runs the named helper instead of the tests.
const helperEnvKey = "PERFGATE_PROGRAM_HELPER"

var helpers = map[string]func(args []string) int{
	"exit":   helperExit,
	"alloc":  helperAlloc,
	"stdio":  helperStdio,
	"status": helperStatus,
	"block":  helperBlock,
	"group":  helperGroup,
}

func TestMain(m *testing.M) {
	if name, ok := os.LookupEnv(helperEnvKey); ok {
		os.Exit(helpers[name](os.Args[1:]))
	}
	// Spawners (whose launcher exits at once) and what they leave behind
	// are re-parented to the test process, which reaps them by pid.
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		fmt.Fprintln(os.Stderr, "PR_SET_CHILD_SUBREAPER:", err)
		os.Exit(2)
	}
	os.Exit(m.Run())
}

// helperExit exits with its argument.
func helperExit(args []string) int {
	n, _ := strconv.Atoi(args[0])
	return n
}

// helperAlloc maps and touches args[0] MiB (no huge pages), then exits 0.
func helperAlloc(args []string) int {
	mib, _ := strconv.Atoi(args[0])
	if mib == 0 {
		return 0
	}
	b, err := unix.Mmap(-1, 0, mib<<20, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		return 3
	}
	_ = unix.Madvise(b, unix.MADV_NOHUGEPAGE)
	for i := 0; i < len(b); i += 4096 {
		b[i] = 1
	}
	return 0
}

// helperStdio copies stdin to stdout and stderr, prefixed "out:" and "err:".
func helperStdio([]string) int {
	in, err := io.ReadAll(os.Stdin)
	if err != nil {
		return 3
	}
	fmt.Fprintf(os.Stdout, "out:%s", in)
	fmt.Fprintf(os.Stderr, "err:%s", in)
	return 0
}

// helperStatus prints what the child started with: its pid and process
// group, /proc/self/status's SigIgn and SigBlk, RLIMIT_NOFILE, its working
// directory and its arguments.
func helperStatus(args []string) int {
	var lim unix.Rlimit
	_ = unix.Getrlimit(unix.RLIMIT_NOFILE, &lim)
	pgid, _ := unix.Getpgid(0)
	wd, _ := os.Getwd()
	fmt.Printf("pid=%d\npgid=%d\nnofile=%d,%d\ncwd=%s\nargs=%q\n", os.Getpid(), pgid, lim.Cur, lim.Max, wd, args)
	status, _ := os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(status), "\n") {
		if strings.HasPrefix(line, "SigIgn:") || strings.HasPrefix(line, "SigBlk:") {
			k, v, _ := strings.Cut(line, ":")
			fmt.Printf("%s=%s\n", k, strings.TrimSpace(v))
		}
	}
	return 0
}

// helperBlock reads its stdin until end of file, then exits 0.
func helperBlock([]string) int {
	_, _ = io.Copy(io.Discard, os.Stdin)
	return 0
}

// helperGroup starts a "block" grandchild in its own process group (the
// child's), prints the grandchild's pid, then blocks as helperBlock.
func helperGroup([]string) int {
	exe, _ := os.Executable()
	pid, err := syscall.ForkExec(exe, []string{exe}, &syscall.ProcAttr{
		Env:   []string{helperEnvKey + "=block"},
		Files: []uintptr{0, 1, 2},
	})
	if err != nil {
		return 3
	}
	fmt.Printf("%d\n", pid)
	return helperBlock(nil)
}

// helperRequest is the request running this test binary as helper name.
func helperRequest(t testing.TB, name string, args ...string) Request {
	exe, err := os.Executable()
	require.NoError(t, err)
	return Request{Path: exe, Argv: append([]string{"helper-" + name}, args...), Env: []string{helperEnvKey + "=" + name}}
}

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
	t     testing.TB
	ctl   int
	hello Hello
}

// launch starts the spawner program as a caller does and reads its hello.
// On cleanup it closes the control socket and reaps the spawner
// (re-parented to the test process, a subreaper), which must exit 0.
func launch(t testing.TB) *testSpawner {
	f := openedImage(t)
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	require.NoError(t, err)
	null, err := os.Open(os.DevNull)
	require.NoError(t, err)
	defer null.Close()
	n := null.Fd()
	launcher, err := syscall.ForkExec(ExecPath(f), []string{"perfgate-spawn"}, &syscall.ProcAttr{
		Env:   []string{},
		Files: []uintptr{n, n, n, uintptr(fds[1])},
		Sys:   &syscall.SysProcAttr{Setpgid: true},
	})
	unix.Close(fds[1])
	require.NoError(t, err)
	var ws unix.WaitStatus
	_, err = unix.Wait4(launcher, &ws, 0, nil)
	require.NoError(t, err)
	require.True(t, ws.Exited() && ws.ExitStatus() == 0, "launcher %#x", ws)
	s := &testSpawner{t: t, ctl: fds[0]}
	buf := make([]byte, 64)
	nr, _, _, _, err := unix.Recvmsg(s.ctl, buf, nil, 0)
	require.NoError(t, err)
	s.hello, err = DecodeHello(buf[:nr])
	require.NoError(t, err)
	require.Equal(t, MaxRuns, s.hello.MaxRuns)
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
	r := &testRun{t: t, run: run[0], side: side[0], pidfd: -1}
	t.Cleanup(func() {
		unix.Close(r.run)
		unix.Close(r.side)
		if r.pidfd >= 0 {
			unix.Close(r.pidfd)
		}
	})
	return r
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
	r.pidfd = fds[0]
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
	t.Cleanup(func() { unix.Close(fd) })
	return fd
}

// pipeFDs returns a pipe's read and write ends, closed on cleanup (each
// may be closed earlier with closeFD).
func pipeFDs(t testing.TB) (r, w int) {
	var p [2]int
	require.NoError(t, unix.Pipe2(p[:], unix.O_CLOEXEC))
	t.Cleanup(func() { unix.Close(p[0]); unix.Close(p[1]) })
	return p[0], p[1]
}

func TestHelloAndExit(t *testing.T) {
	s := launch(t)
	assert.Greater(t, s.hello.Pid, 0)
	null := nullFD(t)
	r := s.send(helperRequest(t, "exit", "7"), null, null, null)
	require.True(t, r.waitStarted())
	p := r.reply()
	require.True(t, p.Exited)
	ws := unix.WaitStatus(p.Status)
	assert.True(t, ws.Exited())
	assert.Equal(t, 7, ws.ExitStatus())
}

var _ = bufio.NewReader
var _ = bytes.NewReader
