//go:build linux && (amd64 || arm64)

package program

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

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
	// qemu-user refuses PR_SET_CHILD_SUBREAPER: the tests that reap what
	// is re-parented skip there.
	subreaper = unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == nil
	os.Exit(m.Run())
}

// emulated says whether the program runs under an emulator (qemu-user
// with binfmt_misc, which also answers uname as the emulated machine):
// its executable is then the emulator's. There the spawner's /proc figures
// (VmHWM, the system call it sits in) are the emulator's.
func emulated(t testing.TB, pid int) bool {
	exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
	require.NoError(t, err)
	return strings.HasPrefix(filepath.Base(exe), "qemu-")
}

// subreaper says whether the test process is a child subreaper.
var subreaper bool

// needSubreaper skips a test that reaps processes re-parented to the test
// process.
func needSubreaper(t testing.TB) {
	if !subreaper {
		t.Skip("PR_SET_CHILD_SUBREAPER refused (qemu-user)")
	}
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

func TestRusageIsTheChilds(t *testing.T) {
	// The test process's own peak is far above any child's.
	own, err := unix.Mmap(-1, 0, 64<<20, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	require.NoError(t, err)
	defer unix.Munmap(own)
	for i := 0; i < len(own); i += 4096 {
		own[i] = 1
	}
	var self unix.Rusage
	require.NoError(t, unix.Getrusage(unix.RUSAGE_SELF, &self))
	require.Greater(t, self.Maxrss, int64(64<<10))

	s := launch(t)
	null := nullFD(t)
	maxrss := func(mib string) int64 {
		r := s.send(helperRequest(t, "alloc", mib), null, null, null)
		require.True(t, r.waitStarted())
		p := r.reply()
		require.True(t, p.Exited)
		require.Equal(t, 0, unix.WaitStatus(p.Status).ExitStatus())
		assert.Greater(t, p.Wall, time.Duration(0))
		assert.Greater(t, p.Usage.User+p.Usage.System, time.Duration(0))
		assert.Greater(t, p.Usage.MinorFaults, int64(0))
		return p.Usage.MaxRSSRaw
	}
	base, grown := maxrss("0"), maxrss("8")
	// Under the race detector the child's writes also touch its shadow
	// memory: 0.6-0.8 MiB more for 8 MiB was seen.
	above := int64(512)
	if raceEnabled {
		above = 2048
	}
	assert.GreaterOrEqual(t, grown-base, int64(8<<10-512), "KiB: baseline %d, with 8 MiB %d", base, grown)
	assert.LessOrEqual(t, grown-base, 8<<10+above, "KiB: baseline %d, with 8 MiB %d", base, grown)
	assert.Less(t, grown, self.Maxrss-32<<10, "not the test process's peak (%d KiB)", self.Maxrss)
}

func TestStartedNamesTheChild(t *testing.T) {
	s := launch(t)
	null := nullFD(t)
	out, outW := pipeFDs(t)
	before := monotonic(t)
	r := s.send(helperRequest(t, "status"), null, outW, null)
	require.True(t, r.waitStarted())
	closeFD(outW)
	after := monotonic(t)
	assert.LessOrEqual(t, before, r.started.StartNs)
	assert.LessOrEqual(t, r.started.StartNs, after)
	fdinfo, err := os.ReadFile(fmt.Sprintf("/proc/self/fdinfo/%d", r.pidfd))
	require.NoError(t, err)
	assert.Contains(t, string(fdinfo), fmt.Sprintf("Pid:\t%d\n", r.started.Pid), "the pidfd names the child")
	status := parseLines(readAll(t, out))
	p := r.reply()
	require.True(t, p.Exited)
	assert.Equal(t, strconv.Itoa(r.started.Pid), status["pid"])
	assert.LessOrEqual(t, p.Wall, time.Duration(monotonic(t)-r.started.StartNs))
}

func monotonic(t testing.TB) int64 {
	var ts unix.Timespec
	require.NoError(t, unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts))
	return ts.Nano()
}

func TestExecFailures(t *testing.T) {
	s := launch(t)
	null := nullFD(t)
	file := t.TempDir() + "/file"
	require.NoError(t, os.WriteFile(file, nil, 0o600))
	for _, tc := range []struct {
		name  string
		q     Request
		stage Stage
		errno unix.Errno
	}{
		{"no program", Request{Path: "/nonexistent/prog", Argv: []string{"prog"}}, StageExec, unix.ENOENT},
		{"not executable", Request{Path: file, Argv: []string{"file"}}, StageExec, unix.EACCES},
		{"no directory", Request{Path: "/bin/true", Dir: "/nonexistent", Argv: []string{"true"}}, StageChdir, unix.ENOENT},
		{"directory a file", Request{Path: "/bin/true", Dir: file, Argv: []string{"true"}}, StageChdir, unix.ENOTDIR},
	} {
		r := s.send(tc.q, null, null, null)
		assert.False(t, r.waitStarted(), tc.name)
		assert.Equal(t, Reply{Stage: tc.stage, Errno: uint64(tc.errno)}, r.reply(), tc.name)
	}
	// And the program goes on serving.
	r := s.send(helperRequest(t, "exit", "3"), null, null, null)
	require.True(t, r.waitStarted())
	assert.Equal(t, 3, unix.WaitStatus(r.reply().Status).ExitStatus())
}

func TestStdio(t *testing.T) {
	s := launch(t)
	in, inW := pipeFDs(t)
	out, outW := pipeFDs(t)
	errR, errW := pipeFDs(t)
	r := s.send(helperRequest(t, "stdio"), in, outW, errW)
	require.True(t, r.waitStarted())
	closeFD(in)
	closeFD(outW)
	closeFD(errW)
	_, err := unix.Write(inW, []byte("some input"))
	require.NoError(t, err)
	closeFD(inW)
	assert.Equal(t, "out:some input", string(readAll(t, out)))
	assert.Equal(t, "err:some input", string(readAll(t, errR)))
	p := r.reply()
	require.True(t, p.Exited)
	assert.Equal(t, 0, unix.WaitStatus(p.Status).ExitStatus())
}

// The child's process group, signal dispositions and mask, RLIMIT_NOFILE,
// working directory and arguments, read from /proc while it runs (a Go
// helper would show its runtime's changes: handlers, a raised limit); and
// the spawner's own state.
func TestChildState(t *testing.T) {
	cat, err := exec.LookPath("cat")
	if err != nil {
		t.Skip("no cat")
	}
	// The RLIMIT_NOFILE the spawner gets at exec: set here, below the
	// hard limit, so that it differs from the spawner's raised one.
	var lim syscall.Rlimit
	require.NoError(t, syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim))
	require.Greater(t, lim.Max, uint64(1000), "the hard RLIMIT_NOFILE")
	saved := lim
	lim.Cur = 1000
	require.NoError(t, syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim))
	s := launch(t)
	require.NoError(t, syscall.Setrlimit(syscall.RLIMIT_NOFILE, &saved))

	assert.Equal(t, "0000000000000000", procStatus(t, s.hello.Pid, "SigIgn"))
	assert.Equal(t, "0000000000000000", procStatus(t, s.hello.Pid, "SigBlk"))
	assert.Equal(t, "perfgate-spawn", procStatus(t, s.hello.Pid, "Name"))
	nofile := func(pid int) string {
		limits, err := os.ReadFile(fmt.Sprintf("/proc/%d/limits", pid))
		require.NoError(t, err)
		for _, line := range strings.Split(string(limits), "\n") {
			if strings.HasPrefix(line, "Max open files") {
				return strings.Join(strings.Fields(line)[3:5], ",")
			}
		}
		return ""
	}
	assert.Equal(t, fmt.Sprintf("%d,%d", lim.Max, lim.Max), nofile(s.hello.Pid), "the spawner's soft limit raised")

	null := nullFD(t)
	dir := t.TempDir()
	bit := func(sig syscall.Signal) uint64 { return 1 << (sig - 1) }
	sig64 := uint64(1 << 63)
	if emulated(t, s.hello.Pid) {
		sig64 = 0 // qemu-user keeps the last real-time signals for itself
	}
	for _, ignored := range []uint64{
		bit(syscall.SIGHUP) | bit(syscall.SIGPIPE) | bit(syscall.SIGCHLD) | sig64 | bit(syscall.SIGKILL) | bit(syscall.SIGSTOP),
		bit(syscall.SIGUSR1), // none of the previous run's
		0,
	} {
		in, inW := pipeFDs(t)
		r := s.send(Request{Path: cat, Dir: dir, Argv: []string{"cat", "-", "-"}, Ignored: ignored}, in, null, null)
		require.True(t, r.waitStarted())
		pid := r.started.Pid
		pgid, err := unix.Getpgid(pid)
		require.NoError(t, err)
		assert.Equal(t, pid, pgid, "its own process group")
		want := ignored &^ (bit(syscall.SIGKILL) | bit(syscall.SIGSTOP))
		assert.Equal(t, fmt.Sprintf("%016x", want), procStatus(t, pid, "SigIgn"))
		assert.Equal(t, "0000000000000000", procStatus(t, pid, "SigBlk"))
		assert.Equal(t, fmt.Sprintf("1000,%d", lim.Max), nofile(pid))
		cwd, err := os.Readlink(fmt.Sprintf("/proc/%d/cwd", pid))
		require.NoError(t, err)
		assert.Equal(t, dir, cwd)
		cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		require.NoError(t, err)
		assert.Equal(t, "cat\x00-\x00-\x00", string(cmdline))
		environ, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
		require.NoError(t, err)
		assert.Empty(t, environ)
		closeFD(inW)
		p := r.reply()
		require.True(t, p.Exited)
		assert.Equal(t, uint32(0), p.Status)
	}
	// Ignoring SIGCHLD in a child did not make the spawner reap on its own.
	assert.Equal(t, "0000000000000000", procStatus(t, s.hello.Pid, "SigIgn"))
}

// The spawner killed, its child dies of SIGKILL (its parent-death signal).
func TestParentDeathSignal(t *testing.T) {
	needSubreaper(t)
	s := launch(t)
	null := nullFD(t)
	in, inW := pipeFDs(t)
	_ = inW // held open: the child blocks until killed
	r := s.send(helperRequest(t, "block"), in, null, null)
	require.True(t, r.waitStarted())
	require.NoError(t, unix.Kill(s.hello.Pid, unix.SIGKILL))
	ws := wait4Pid(t, s.hello.Pid)
	s.reaped = true
	assert.Equal(t, unix.SIGKILL, ws.Signal())
	ws = wait4Pid(t, r.started.Pid) // re-parented to the test process
	assert.True(t, ws.Signaled())
	assert.Equal(t, unix.SIGKILL, ws.Signal())
}

// A kill byte, or end of file, on the run socket kills the child and its
// process group.
func TestKillGroup(t *testing.T) {
	needSubreaper(t)
	s := launch(t)
	null := nullFD(t)
	for _, how := range []string{"byte", "eof"} {
		in, inW := pipeFDs(t)
		_ = inW
		out, outW := pipeFDs(t)
		r := s.send(helperRequest(t, "group"), in, outW, null)
		require.True(t, r.waitStarted())
		closeFD(outW)
		grandchild, err := strconv.Atoi(readLine(t, out))
		require.NoError(t, err)
		if how == "byte" {
			_, err = unix.Write(r.run, []byte{KillByte})
		} else {
			err = unix.Shutdown(r.run, unix.SHUT_WR)
		}
		require.NoError(t, err)
		p := r.reply()
		require.True(t, p.Exited, how)
		assert.Equal(t, unix.SIGKILL, unix.WaitStatus(p.Status).Signal(), how)
		ws := wait4Pid(t, grandchild)
		assert.Equal(t, unix.SIGKILL, ws.Signal(), "the grandchild, by %s", how)
	}
}

// End of file on the control socket kills every child, and the program
// exits 0.
func TestControlEOF(t *testing.T) {
	needSubreaper(t)
	s := launch(t)
	null := nullFD(t)
	in, inW := pipeFDs(t)
	_ = inW
	var pids []int
	for i := 0; i < 3; i++ {
		r := s.send(helperRequest(t, "block"), in, null, null)
		require.True(t, r.waitStarted())
		pids = append(pids, r.started.Pid)
	}
	s.close() // reaps the spawner, which must exit 0
	for _, pid := range pids {
		ws := wait4Pid(t, pid)
		assert.Equal(t, unix.SIGKILL, ws.Signal())
	}
}

func Test64Concurrent(t *testing.T) {
	s := launch(t)
	null := nullFD(t)
	in, inW := pipeFDs(t)
	var runs []*testRun
	for i := 0; i < 64; i++ {
		r := s.send(helperRequest(t, "stdio"), in, null, null)
		runs = append(runs, r)
	}
	for _, r := range runs {
		require.True(t, r.waitStarted())
	}
	closeFD(inW) // all 64 run at once until now
	seen := map[int]bool{}
	for _, r := range runs {
		p := r.reply()
		require.True(t, p.Exited)
		assert.Equal(t, 0, unix.WaitStatus(p.Status).ExitStatus())
		seen[r.started.Pid] = true
	}
	assert.Len(t, seen, 64)
}

// Every malformed request gets StageRequest, EINVAL and the program goes
// on serving.
func TestMalformedRequests(t *testing.T) {
	s := launch(t)
	null := nullFD(t)
	for name, msg := range malformedRequests(t) {
		r := s.sendRaw(msg, null, null, null)
		assert.Equal(t, Reply{Stage: StageRequest, Errno: uint64(unix.EINVAL)}, r.reply(), name)
		assert.False(t, r.waitStarted(), name)
	}
	r := s.send(helperRequest(t, "exit", "5"), null, null, null)
	require.True(t, r.waitStarted())
	assert.Equal(t, 5, unix.WaitStatus(r.reply().Status).ExitStatus())
}

// A request with 0, 4 or 6 descriptors is dropped, every descriptor
// received closed, and the program goes on serving.
func TestWrongDescriptorCount(t *testing.T) {
	s := launch(t)
	if emulated(t, s.hello.Pid) {
		t.Skip("the spawner's /proc figures are the emulator's")
	}
	null := nullFD(t)
	fds := countFDs(t, s.hello.Pid)
	q := helperRequest(t, "exit", "0")
	msg, err := q.Encode()
	require.NoError(t, err)
	for _, n := range []int{0, 4, 6} {
		run, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
		require.NoError(t, err)
		var rights []byte
		if n > 0 {
			list := []int{run[1]}
			for len(list) < n {
				list = append(list, null)
			}
			rights = unix.UnixRights(list...)
		}
		require.NoError(t, unix.Sendmsg(s.ctl, msg, rights, nil, 0))
		unix.Close(run[1])
		if n > 0 {
			// The program closed its copy of our socket: end of file.
			b := make([]byte, 64)
			got, _, _, _, err := unix.Recvmsg(run[0], b, nil, 0)
			require.NoError(t, err)
			assert.Equal(t, 0, got, "%d descriptors", n)
		}
		unix.Close(run[0])
	}
	r := s.send(helperRequest(t, "exit", "4"), null, null, null)
	require.True(t, r.waitStarted())
	assert.Equal(t, 4, unix.WaitStatus(r.reply().Status).ExitStatus())
	assert.Equal(t, fds, countFDs(t, s.hello.Pid))
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

// The spawner's own peak is small and does not grow over 1000 runs, and
// it leaks no descriptor.
func TestFootprint(t *testing.T) {
	s := launch(t)
	if emulated(t, s.hello.Pid) {
		t.Skip("the spawner's /proc figures are the emulator's")
	}
	null := nullFD(t)
	hello := procStatus(t, s.hello.Pid, "VmHWM")
	once := func() {
		r := s.send(Request{Path: "/bin/true", Argv: []string{"true"}}, null, null, null)
		require.True(t, r.waitStarted())
		p := r.reply()
		require.True(t, p.Exited)
		require.Equal(t, uint32(0), p.Status)
		closeFD(r.run)
		closeFD(r.side)
		closeFD(r.pidfd)
	}
	once()
	first, fds := procStatus(t, s.hello.Pid, "VmHWM"), countFDs(t, s.hello.Pid)
	for i := 1; i < 1000; i++ {
		once()
	}
	last := procStatus(t, s.hello.Pid, "VmHWM")
	t.Logf("spawner VmHWM: after the hello %s, after 1 run %s, after 1000 runs %s", hello, first, last)
	assert.Equal(t, first, last)
	kb, err := strconv.Atoi(strings.TrimSuffix(last, " kB"))
	require.NoError(t, err)
	assert.LessOrEqual(t, kb, 64)
	assert.Equal(t, fds, countFDs(t, s.hello.Pid))
}

// Without CLONE_PIDFD (as under qemu-user, here asked for by an argument)
// the program opens the pidfd after the exec: the same messages.
func TestWithoutClonePidfd(t *testing.T) {
	s := launch(t, "perfgate-spawn", "no-clone-pidfd")
	null := nullFD(t)
	r := s.send(helperRequest(t, "exit", "7"), null, null, null)
	require.True(t, r.waitStarted())
	fdinfo, err := os.ReadFile(fmt.Sprintf("/proc/self/fdinfo/%d", r.pidfd))
	require.NoError(t, err)
	assert.Contains(t, string(fdinfo), fmt.Sprintf("Pid:\t%d\n", r.started.Pid))
	assert.Equal(t, 7, unix.WaitStatus(r.reply().Status).ExitStatus())

	r = s.send(Request{Path: "/nonexistent/prog", Argv: []string{"prog"}}, null, null, null)
	assert.False(t, r.waitStarted())
	assert.Equal(t, Reply{Stage: StageExec, Errno: uint64(unix.ENOENT)}, r.reply())

	in, inW := pipeFDs(t)
	_ = inW
	r = s.send(helperRequest(t, "block"), in, null, null)
	require.True(t, r.waitStarted())
	_, err = unix.Write(r.run, []byte{KillByte})
	require.NoError(t, err)
	assert.Equal(t, unix.SIGKILL, unix.WaitStatus(r.reply().Status).Signal())
}

// MaxRuns children at once, and the next request fails at StageBusy.
func TestBusy(t *testing.T) {
	cat, err := exec.LookPath("cat")
	if err != nil {
		t.Skip("no cat")
	}
	s := launch(t)
	null := nullFD(t)
	in, inW := pipeFDs(t)
	var runs []*testRun
	for i := 0; i < MaxRuns; i++ {
		runs = append(runs, s.send(Request{Path: cat, Argv: []string{"cat"}}, in, null, null))
	}
	for _, r := range runs {
		require.True(t, r.waitStarted())
	}
	r := s.send(Request{Path: cat, Argv: []string{"cat"}}, in, null, null)
	assert.Equal(t, Reply{Stage: StageBusy, Errno: uint64(unix.EAGAIN)}, r.reply())
	assert.False(t, r.waitStarted())
	closeFD(inW)
	for _, r := range runs {
		p := r.reply()
		require.True(t, p.Exited)
		assert.Equal(t, uint32(0), p.Status)
	}
	r = s.send(helperRequest(t, "exit", "2"), null, null, null)
	require.True(t, r.waitStarted())
	assert.Equal(t, 2, unix.WaitStatus(r.reply().Status).ExitStatus())
}

// Each place Open tries gives a read-only descriptor the program runs from.
func TestOpenPlaces(t *testing.T) {
	img, err := Image()
	require.NoError(t, err)
	f, err := openMemfd(img)
	require.NoError(t, err)
	defer f.Close()
	seals, err := unix.FcntlInt(f.Fd(), unix.F_GET_SEALS, 0)
	require.NoError(t, err)
	assert.Equal(t, unix.F_SEAL_SEAL|unix.F_SEAL_SHRINK|unix.F_SEAL_GROW|unix.F_SEAL_WRITE, seals)
	require.NoError(t, trial(f))

	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	dirs := tmpDirs()
	assert.Equal(t, os.Getenv("XDG_RUNTIME_DIR"), dirs[0])
	assert.Contains(t, dirs, "/dev/shm")
	for _, dir := range dirs {
		f, err := openTmpfile(dir, img)
		if errors.Is(err, unix.EOPNOTSUPP) || errors.Is(err, unix.EISDIR) {
			t.Logf("%s: no O_TMPFILE: %v", dir, err)
			continue
		}
		require.NoError(t, err, dir)
		flags, err := unix.FcntlInt(f.Fd(), unix.F_GETFL, 0)
		require.NoError(t, err)
		assert.Equal(t, unix.O_RDONLY, flags&unix.O_ACCMODE, dir)
		var st unix.Stat_t
		require.NoError(t, unix.Fstat(int(f.Fd()), &st))
		assert.Equal(t, uint32(0o500), st.Mode&0o777, dir)
		assert.Equal(t, int64(len(img)), st.Size, dir)
		err = trial(f)
		var st2 unix.Statfs_t
		if unix.Statfs(dir, &st2) == nil && st2.Flags&unix.ST_NOEXEC != 0 {
			assert.Error(t, err, "%s is mounted noexec", dir)
		} else {
			assert.NoError(t, err, dir)
		}
		f.Close()
	}

	f, err = Open()
	require.NoError(t, err)
	defer f.Close()
	assert.True(t, strings.HasPrefix(ExecPath(f), "/proc/self/fd/"))
}

// The program takes a message if and only if DecodeRequest does: random
// bends of sampleRequest's header and table (never its strings, so an
// accepted bend names no program that exists: exec or chdir fails) get
// StageRequest exactly when DecodeRequest refuses them.
func TestRequestChecksAsDecodeRequest(t *testing.T) {
	s := launch(t)
	null := nullFD(t)
	q := sampleRequest()
	msg, err := q.Encode()
	require.NoError(t, err)
	tableEnd := 32 + 8*(len(q.Argv)+len(q.Env)+2)
	le := binary.LittleEndian
	rng := rand.New(rand.NewPCG(18, 18))
	accepted := 0
	for i := 0; i < 2000; i++ {
		b := append([]byte(nil), msg...)
		for n := 1 + rng.IntN(2); n > 0; n-- {
			switch at := rng.IntN(tableEnd); rng.IntN(3) {
			case 0: // a byte
				b[at] = byte(rng.Uint32())
			case 1: // an offset field, near the strings
				if field := []int{24, 28, 32 + 8*rng.IntN(tableEnd/8-4)}[rng.IntN(3)]; field < 32 {
					le.PutUint32(b[field:], uint32(tableEnd-2+rng.IntN(len(b)-tableEnd+4)))
				} else {
					le.PutUint64(b[field:], uint64(tableEnd-2+rng.IntN(len(b)-tableEnd+4)))
				}
			case 2: // a count
				le.PutUint32(b[16+4*rng.IntN(2):], uint32(rng.IntN(8)))
			}
		}
		_, decodeErr := DecodeRequest(b)
		r := s.sendRaw(b, null, null, null)
		started := r.waitStarted()
		p := r.reply()
		require.False(t, started, "bend %d ran something: % x", i, b)
		if decodeErr != nil {
			require.Equal(t, Reply{Stage: StageRequest, Errno: uint64(unix.EINVAL)}, p, "bend %d: % x", i, b)
		} else {
			accepted++
			require.Contains(t, []Stage{StageChdir, StageExec}, p.Stage, "bend %d: % x", i, b)
		}
		closeFD(r.run)
		closeFD(r.side)
	}
	t.Logf("%d of 2000 bends accepted", accepted)
	assert.Greater(t, accepted, 100)
}
