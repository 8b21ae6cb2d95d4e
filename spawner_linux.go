//go:build linux

package adapters

// The spawner: a small long-lived process that starts the children of
// process-scope runs, so that the address space a child inherits at exec
// (golang/go#32054) is the spawner's few MiB, not the caller's. See "Peak
// memory" in the README.
//
// It is this very executable (/proc/self/exe) started with
// PERFGATE_ADAPTERS_SPAWNER set: the package's init function sees the
// variable before the program's main package initializes and never
// returns. A launcher copy starts the spawner and exits at once, so the
// spawner is not a child of the caller (the caller's wait4(-1) and zombie
// checks never see it); it exits when the control socket reaches end of
// file, that is when the caller has exited.
//
// The wire: a SOCK_SEQPACKET control socket carries one message per run,
// the encoded request with SCM_RIGHTS [stdout write end, stderr write end,
// run socket]. The run socket (a SOCK_SEQPACKET pair per run) carries kill
// requests from the caller (one byte; its end of file kills too) and the
// one reply from the spawner: start errno, wall time, wait status, kill
// cause, the floor (the spawner's VmHWM just after the spawn) and the
// rusage. Only the spawner, which reaps the child, ever kills its group.

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/perfgate/adapters/internal/capture"
)

const (
	// spawnerEnvKey puts the executable in spawner mode; its value is
	// "launch:FD" (start the spawner on FD, then exit) or "FD" (serve).
	spawnerEnvKey = "PERFGATE_ADAPTERS_SPAWNER"
	// NoSpawnerEnvKey, set to a non-empty value other than "0", makes every
	// StdProcessRunner spawn directly, even one with Spawner set.
	NoSpawnerEnvKey = "PERFGATE_ADAPTERS_NO_SPAWNER"

	spawnerFD       = 3
	maxSpawnRequest = 128 << 10
	spawnerReady    = "perfgate-spawner-ready"
	killRequest     = 'k'
)

func init() {
	v, ok := syscall.Getenv(spawnerEnvKey)
	if !ok {
		return
	}
	_ = syscall.Unsetenv(spawnerEnvKey)
	if rest, ok := cutPrefix(v, "launch:"); ok {
		os.Exit(launchSpawner(rest))
	}
	fd, err := strconv.Atoi(v)
	if err != nil {
		os.Exit(2)
	}
	serveSpawner(fd)
	os.Exit(0)
}

func cutPrefix(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && s[:len(prefix)] == prefix {
		return s[len(prefix):], true
	}
	return s, false
}

// launchSpawner starts the spawner in its own process group with the
// control socket as descriptor 3, and exits: the spawner is reparented.
func launchSpawner(fdText string) int {
	fd, err := strconv.Atoi(fdText)
	if err != nil {
		return 2
	}
	env := append(os.Environ(), spawnerEnvKey+"="+strconv.Itoa(spawnerFD))
	_, _, err = syscall.StartProcess("/proc/self/exe", []string{os.Args[0]}, &syscall.ProcAttr{
		Env:   env,
		Files: []uintptr{0, 1, 2, uintptr(fd)},
		Sys:   &syscall.SysProcAttr{Setpgid: true},
	})
	if err != nil {
		return 1
	}
	return 0
}

// ---- the caller's side ----

// spawnerConn is the caller's connection to its spawner.
type spawnerConn struct {
	fd  int // control socket
	pid int
	// floorKiB is the spawner's VmHWM when it said it was ready.
	floorKiB uint64

	mu   sync.Mutex
	dead bool
}

var (
	spawnerMu    sync.Mutex
	spawnerState *spawnerConn
	spawnerTried bool
	// spawnerExe is the program started as the spawner; tests point it
	// at something that cannot serve.
	spawnerExe = "/proc/self/exe"
	// forceSpawner lets tests run the runner's rules through the spawner.
	forceSpawner bool
)

// useSpawner says whether r spawns through the spawner.
func (r StdProcessRunner) useSpawner() bool {
	if !(r.Spawner || forceSpawner) || r.Scope == ScopeTree || !pidfdWorks() {
		return false
	}
	v := os.Getenv(NoSpawnerEnvKey)
	return v == "" || v == "0"
}

// theSpawner returns the live spawner, starting it on first use; nil when
// it cannot start or has died (the caller then spawns directly).
func theSpawner() *spawnerConn {
	spawnerMu.Lock()
	defer spawnerMu.Unlock()
	if s := spawnerState; s != nil {
		if !s.isDead() {
			return s
		}
		return nil
	}
	if spawnerTried {
		return nil
	}
	spawnerTried = true
	s, err := startSpawner(spawnerExe)
	if err != nil {
		return nil
	}
	spawnerState = s
	return s
}

func (s *spawnerConn) isDead() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dead
}

// markDead stops the use of s: later runs spawn directly. The spawner is
// not signalled: it is not our child, so its pid may be another process's
// by now; if it still lives, it exits when the caller does.
func (s *spawnerConn) markDead() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dead = true
}

func startSpawner(exe string) (*spawnerConn, error) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	null, err := devNull()
	if err != nil {
		unix.Close(fds[0])
		unix.Close(fds[1])
		return nil, err
	}
	env := append(os.Environ(), spawnerEnvKey+"=launch:"+strconv.Itoa(spawnerFD))
	pid, err := syscall.ForkExec(exe, []string{os.Args[0]}, &syscall.ProcAttr{
		Env: env,
		// Not even the caller's stderr: a spawner holding a pipe the
		// caller's own reader waits on would delay that reader's EOF.
		Files: []uintptr{uintptr(null), uintptr(null), uintptr(null), uintptr(fds[1])},
		Sys:   &syscall.SysProcAttr{Setpgid: true},
	})
	unix.Close(fds[1])
	if err != nil {
		unix.Close(fds[0])
		return nil, err
	}
	s := &spawnerConn{fd: fds[0]}
	err = s.awaitReady(5 * time.Second)
	if err != nil {
		// The launcher may hang (in an initializer of the program that
		// runs before this package's): it is our child, so killing it is
		// safe until it is reaped. A spawner that is late sees end of file
		// and exits.
		_ = syscall.Kill(pid, syscall.SIGKILL)
		unix.Close(fds[0])
	}
	_, _, _ = reap(pid) // the launcher exits once the spawner is started
	if err != nil {
		return nil, err
	}
	return s, nil
}

// awaitReady reads the spawner's hello: the ready text, its pid and VmHWM.
func (s *spawnerConn) awaitReady(limit time.Duration) error {
	deadline := time.Now().Add(limit)
	buf := make([]byte, 64)
	for {
		left := time.Until(deadline)
		if left <= 0 {
			return errors.New("spawner: no hello")
		}
		ts := unix.NsecToTimespec(int64(left))
		fds := []unix.PollFd{{Fd: int32(s.fd), Events: unix.POLLIN}}
		n, err := unix.Ppoll(fds, &ts, nil)
		if err == unix.EINTR || (err == nil && n == 0) {
			continue
		}
		if err != nil {
			return err
		}
		m, err := unix.Read(s.fd, buf)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		if m != len(spawnerReady)+16 || string(buf[:len(spawnerReady)]) != spawnerReady {
			return errors.New("spawner: bad hello")
		}
		s.pid = int(binary.LittleEndian.Uint64(buf[len(spawnerReady):]))
		s.floorKiB = binary.LittleEndian.Uint64(buf[len(spawnerReady)+8:])
		return nil
	}
}

// spawnRequest is one run as the spawner needs it.
type spawnRequest struct {
	path, dir string
	argv, env []string
	timeout   time.Duration
}

func (q *spawnRequest) encode() []byte {
	n := 8 + 4 + len(q.path) + 4 + len(q.dir) + 4 + 4
	for _, s := range q.argv {
		n += 4 + len(s)
	}
	for _, s := range q.env {
		n += 4 + len(s)
	}
	b := make([]byte, 0, n)
	b = binary.LittleEndian.AppendUint64(b, uint64(q.timeout))
	str := func(s string) {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(s)))
		b = append(b, s...)
	}
	str(q.path)
	str(q.dir)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(q.argv)))
	for _, s := range q.argv {
		str(s)
	}
	b = binary.LittleEndian.AppendUint32(b, uint32(len(q.env)))
	for _, s := range q.env {
		str(s)
	}
	return b
}

var errBadRequest = errors.New("spawner: malformed request")

func decodeSpawnRequest(b []byte) (*spawnRequest, error) {
	q := &spawnRequest{}
	bad := false
	u32 := func() int {
		if len(b) < 4 {
			bad = true
			return 0
		}
		v := binary.LittleEndian.Uint32(b)
		b = b[4:]
		return int(v)
	}
	str := func() string {
		n := u32()
		if bad || n > len(b) {
			bad = true
			return ""
		}
		s := string(b[:n])
		b = b[n:]
		return s
	}
	list := func() []string {
		n := u32()
		if bad || n > len(b)/4 {
			bad = true
			return nil
		}
		l := make([]string, n)
		for i := range l {
			l[i] = str()
		}
		return l
	}
	if len(b) < 8 {
		return nil, errBadRequest
	}
	q.timeout = time.Duration(binary.LittleEndian.Uint64(b))
	b = b[8:]
	q.path, q.dir = str(), str()
	q.argv, q.env = list(), list()
	if bad {
		return nil, errBadRequest
	}
	return q, nil
}

// spawnReply is the spawner's answer for one run.
type spawnReply struct {
	errno    int64 // the start error; 0 when the child ran
	wall     time.Duration
	status   syscall.WaitStatus
	cause    killCause
	floorKiB uint64
	usage    syscall.Rusage
}

const rusageSize = int(unsafe.Sizeof(syscall.Rusage{}))
const spawnReplySize = 8 + 8 + 4 + 4 + 8 + rusageSize

func (p *spawnReply) encode() []byte {
	b := make([]byte, 0, spawnReplySize)
	b = binary.LittleEndian.AppendUint64(b, uint64(p.errno))
	b = binary.LittleEndian.AppendUint64(b, uint64(p.wall))
	b = binary.LittleEndian.AppendUint32(b, uint32(p.status))
	b = binary.LittleEndian.AppendUint32(b, uint32(p.cause))
	b = binary.LittleEndian.AppendUint64(b, p.floorKiB)
	// Same executable on both sides: the raw struct is the wire format.
	b = append(b, unsafe.Slice((*byte)(unsafe.Pointer(&p.usage)), rusageSize)...)
	return b
}

func decodeSpawnReply(b []byte) (spawnReply, bool) {
	var p spawnReply
	if len(b) != spawnReplySize {
		return p, false
	}
	p.errno = int64(binary.LittleEndian.Uint64(b))
	p.wall = time.Duration(binary.LittleEndian.Uint64(b[8:]))
	p.status = syscall.WaitStatus(binary.LittleEndian.Uint32(b[16:]))
	p.cause = killCause(binary.LittleEndian.Uint32(b[20:]))
	p.floorKiB = binary.LittleEndian.Uint64(b[24:])
	copy(unsafe.Slice((*byte)(unsafe.Pointer(&p.usage)), rusageSize), b[32:])
	return p, true
}

// errSpawnerUnavailable says the run was not handed to the spawner and
// nothing ran: the caller spawns directly instead.
var errSpawnerUnavailable = errors.New("spawner unavailable")

// send hands a run to the spawner; it returns the caller's end of the run
// socket, or errSpawnerUnavailable.
func (s *spawnerConn) send(q *spawnRequest, stdoutW, stderrW int) (int, error) {
	msg := q.encode()
	if len(msg) > maxSpawnRequest {
		return -1, errSpawnerUnavailable
	}
	run, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, errSpawnerUnavailable
	}
	oob := unix.UnixRights(stdoutW, stderrW, run[1])
	for {
		err = unix.Sendmsg(s.fd, msg, oob, nil, unix.MSG_NOSIGNAL)
		if err != unix.EINTR {
			break
		}
	}
	unix.Close(run[1])
	if err != nil {
		unix.Close(run[0])
		if err == unix.EPIPE || err == unix.ECONNRESET || err == unix.ENOTCONN {
			s.markDead()
		}
		return -1, errSpawnerUnavailable
	}
	return run[0], nil
}

// ---- the spawner's side ----

// spawnerSelf is the spawner's state: its /dev/null and its clear_refs.
type spawnerSelf struct {
	null      int
	clearRefs int
	// spawnMu makes the reset of the peak, the spawn and the read of the
	// floor one step: a reset for another spawn must not come between a
	// spawn and the read of its floor.
	spawnMu sync.Mutex
	// runs counts the runs waited for by goroutines; inFlight too, for
	// reading.
	runs     sync.WaitGroup
	inFlight atomic.Int32
	// startKiB is the spawner's VmHWM after its first shrink, baseKiB
	// the floor of the first run after its last shrink (the pages the
	// spawner needs fault back in), 0 until that run; lastShrink is when.
	startKiB, baseKiB uint64
	lastShrink        time.Time

	mu     sync.Mutex
	groups map[int]struct{}
}

// serveSpawner serves requests until the control socket reaches end of
// file. One goroutine does it all while runs come one at a time: it
// spawns a child and waits for it in one ppoll with the control socket,
// as a C loop would, with no hand-off to another thread (each costs tens
// of microseconds on a VM). A request that comes while a run is in flight
// gets a goroutine of its own, so that neither run's clock waits for the
// other's spawn.
func serveSpawner(ctl int) {
	runtime.GOMAXPROCS(min(runtime.GOMAXPROCS(0), 2))
	// Started as /proc/self/exe, it would show as "exe" in ps.
	_ = unix.Prctl(unix.PR_SET_NAME, uintptr(unsafe.Pointer(&[]byte("perfgate-spawn\x00")[0])), 0, 0, 0)
	// A small heap: the Go default lets up to 4 MiB of garbage (decoded
	// requests) pile up before the first collection, and the floor with it.
	debug.SetGCPercent(10)
	self := &spawnerSelf{clearRefs: -1, groups: map[int]struct{}{}}
	var err error
	if self.null, err = unix.Open(os.DevNull, unix.O_RDWR|unix.O_CLOEXEC, 0); err != nil {
		return
	}
	if fd, err := unix.Open("/proc/self/clear_refs", unix.O_WRONLY|unix.O_CLOEXEC, 0); err == nil {
		self.clearRefs = fd
	}
	unix.CloseOnExec(ctl)
	self.shrink()
	hello := []byte(spawnerReady)
	hello = binary.LittleEndian.AppendUint64(hello, uint64(os.Getpid()))
	hello = binary.LittleEndian.AppendUint64(hello, self.startKiB)
	if _, err := unix.Write(ctl, hello); err != nil {
		return
	}
	buf := make([]byte, maxSpawnRequest+1)
	oob := make([]byte, unix.CmsgSpace(3*4))
	var cur *spawnedChild // the run this goroutine waits for
	fds := [3]unix.PollFd{{Fd: int32(ctl), Events: unix.POLLIN}}
	for fds[0].Fd >= 0 || cur != nil {
		n := 1
		var ts *unix.Timespec
		if cur != nil {
			fds[1] = unix.PollFd{Fd: int32(cur.pidfd), Events: unix.POLLIN}
			fds[2] = unix.PollFd{Fd: int32(cur.sockFD()), Events: unix.POLLIN}
			n = 3
			ts = cur.pollTimeout()
		}
		if _, err := unix.Ppoll(fds[:n], ts, nil); err != nil && err != unix.EINTR {
			break
		}
		if cur != nil && cur.handle(fds[1].Revents, fds[2].Revents) {
			self.finish(cur)
			// Idle, and grown by 1 MiB since the last shrink (the heap,
			// thread stacks of concurrent runs, pages of code and data
			// touched by other paths): shrink again, off any run's
			// clock, at most every 100 ms (a shrink takes about a
			// millisecond).
			switch {
			case self.baseKiB == 0:
				self.baseKiB = cur.reply.floorKiB
			case cur.reply.floorKiB > self.baseKiB+1024 && self.inFlight.Load() == 0 &&
				time.Since(self.lastShrink) > 100*time.Millisecond:
				self.shrink()
			}
			cur = nil
		}
		if fds[0].Fd < 0 || fds[0].Revents == 0 {
			continue
		}
		q, fdsIn, err := receiveRequest(ctl, buf, oob)
		switch {
		case err == unix.EINTR || err == unix.EAGAIN || err == errBadRequest:
		case err != nil:
			// The caller has exited: nobody wants the results.
			fds[0].Fd = -1
			self.mu.Lock()
			for pgid := range self.groups {
				killGroup(pgid)
			}
			self.mu.Unlock()
		case cur == nil:
			cur = self.spawn(q, fdsIn[0], fdsIn[1], fdsIn[2])
		default:
			self.runs.Add(1)
			self.inFlight.Add(1)
			go func() {
				defer self.runs.Done()
				defer self.inFlight.Add(-1)
				if c := self.spawn(q, fdsIn[0], fdsIn[1], fdsIn[2]); c != nil {
					self.wait(c)
				}
			}()
		}
	}
	self.runs.Wait()
}

// receiveRequest reads one request from the control socket; an error
// other than EINTR, EAGAIN and errBadRequest means end of file.
func receiveRequest(ctl int, buf, oob []byte) (*spawnRequest, []int, error) {
	n, oobn, flags, _, err := unix.Recvmsg(ctl, buf, oob, unix.MSG_CMSG_CLOEXEC)
	if err != nil {
		return nil, nil, err
	}
	if n == 0 && oobn == 0 {
		return nil, nil, io.EOF
	}
	fds := receivedFDs(oob[:oobn])
	if len(fds) != 3 || flags&(unix.MSG_TRUNC|unix.MSG_CTRUNC) != 0 {
		closeAll(fds)
		return nil, nil, errBadRequest
	}
	q, err := decodeSpawnRequest(buf[:n])
	if err != nil {
		closeAll(fds)
		return nil, nil, errBadRequest
	}
	return q, fds, nil
}

func receivedFDs(oob []byte) []int {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return nil
	}
	var fds []int
	for i := range msgs {
		if got, err := unix.ParseUnixRights(&msgs[i]); err == nil {
			fds = append(fds, got...)
		}
	}
	return fds
}

func closeAll(fds []int) {
	for _, fd := range fds {
		unix.Close(fd)
	}
}

// trimFileMappings drops from the spawner's resident set the pages of
// read-only file mappings (the executable's text and data that the
// program's initialization touched, several MiB for a large binary) that
// hold no private copy: they stay in the page cache, and the few the
// spawner touches again fault back in. A mapping with any anonymous or
// private dirty page (a relocated RELRO page, say) is left alone, so no
// content is lost.
func trimFileMappings() {
	data, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		return
	}
	var (
		start, end uintptr
		candidate  bool
		dirty      bool
	)
	flush := func() {
		if candidate && !dirty && end > start {
			_, _, _ = unix.Syscall(unix.SYS_MADVISE, start, end-start, unix.MADV_DONTNEED)
		}
		candidate, dirty = false, false
	}
	for _, line := range strings.Split(string(data), "\n") {
		fields := strings.Fields(line)
		if len(fields) >= 6 && len(fields[1]) == 4 && strings.Contains(fields[0], "-") && !strings.HasSuffix(fields[0], ":") {
			flush()
			lo, hi, _ := strings.Cut(fields[0], "-")
			a, errA := strconv.ParseUint(lo, 16, 64)
			b, errB := strconv.ParseUint(hi, 16, 64)
			if errA != nil || errB != nil {
				continue
			}
			start, end = uintptr(a), uintptr(b)
			perms := fields[1]
			candidate = perms[0] == 'r' && perms[1] == '-' && fields[4] != "0" && strings.HasPrefix(fields[5], "/")
			continue
		}
		if len(fields) >= 2 && (fields[0] == "Anonymous:" || fields[0] == "Private_Dirty:") && fields[1] != "0" {
			dirty = true
		}
	}
	flush()
}

// shrink returns the spawner's free heap to the system, drops its clean
// file pages (trimFileMappings) and resets its peak.
func (self *spawnerSelf) shrink() {
	debug.FreeOSMemory()
	trimFileMappings()
	self.resetPeak()
	if self.startKiB == 0 {
		self.startKiB, _ = callerPeakRSSKiB()
	}
	self.baseKiB, self.lastShrink = 0, time.Now()
}

// resetPeak sets the spawner's VmHWM to its current RSS.
func (self *spawnerSelf) resetPeak() {
	if self.clearRefs >= 0 {
		_, _ = unix.Write(self.clearRefs, []byte("5"))
	}
}

// spawnedChild is a run in the spawner, from its spawn to its reply.
type spawnedChild struct {
	pid, pidfd, sock int
	sockOpen         bool
	start, deadline  time.Time
	reply            spawnReply
}

// spawn starts one child and returns it, or nil when it could not start
// (the reply is sent then).
func (self *spawnerSelf) spawn(q *spawnRequest, stdoutW, stderrW, sock int) *spawnedChild {
	pidfd := -1
	attr := &syscall.ProcAttr{
		Dir:   q.dir,
		Env:   q.env,
		Files: []uintptr{uintptr(self.null), uintptr(stdoutW), uintptr(stderrW)},
		Sys: &syscall.SysProcAttr{
			Setpgid: true,
			PidFD:   &pidfd,
			// Should the spawner die, its children go with it.
			Pdeathsig: syscall.SIGKILL,
		},
	}
	self.spawnMu.Lock()
	self.resetPeak()
	start := time.Now()
	pid, _, err := syscall.StartProcess(q.path, q.argv, attr)
	// exec has happened (vfork): the peak the child inherited is at most
	// what VmHWM says now, and no reset can come before this read.
	floor, floorErr := callerPeakRSSKiB()
	self.spawnMu.Unlock()
	unix.Close(stdoutW)
	unix.Close(stderrW)
	if err != nil {
		var errno syscall.Errno
		if !errors.As(err, &errno) || errno == 0 {
			errno = syscall.EINVAL
		}
		reply := spawnReply{errno: int64(errno)}
		_, _ = unix.Write(sock, reply.encode())
		unix.Close(sock)
		return nil
	}
	if floorErr != nil {
		floor = ^uint64(0) // no floor known: the figure is withheld
	}
	self.mu.Lock()
	self.groups[pid] = struct{}{}
	self.mu.Unlock()
	c := &spawnedChild{pid: pid, pidfd: pidfd, sock: sock, sockOpen: true, start: start}
	c.reply.floorKiB = floor
	if q.timeout > 0 {
		c.deadline = start.Add(q.timeout)
	}
	return c
}

// sockFD is the run socket while it is open, else -1 (ppoll skips it).
func (c *spawnedChild) sockFD() int {
	if c.sockOpen {
		return c.sock
	}
	return -1
}

// pollTimeout is the time left to the deadline, killing the group when it
// has come; nil when there is no deadline to wait for.
func (c *spawnedChild) pollTimeout() *unix.Timespec {
	if c.deadline.IsZero() || c.reply.cause != notKilled {
		return nil
	}
	left := time.Until(c.deadline)
	if left <= 0 {
		c.reply.cause = killedAtDeadline
		killGroup(c.pid)
		return nil
	}
	ts := unix.NsecToTimespec(int64(left))
	return &ts
}

// handle takes the revents of the pidfd and the run socket; it returns
// true when the child has exited (the time is taken at once).
func (c *spawnedChild) handle(exitRev, sockRev int16) bool {
	if exitRev != 0 {
		c.reply.wall = time.Since(c.start)
		return true
	}
	if sockRev != 0 && c.sockOpen {
		var one [16]byte
		n, err := unix.Read(c.sock, one[:])
		if err == unix.EINTR || err == unix.EAGAIN {
			return false
		}
		// A kill request, or the caller gave up on the run.
		if c.reply.cause == notKilled {
			c.reply.cause = killedByContext
			killGroup(c.pid)
		}
		if n <= 0 {
			c.sockOpen = false
		}
	}
	return false
}

// wait waits for c on a goroutine of its own, then finishes it.
func (self *spawnerSelf) wait(c *spawnedChild) {
	fds := [2]unix.PollFd{{Fd: int32(c.pidfd), Events: unix.POLLIN}, {Events: unix.POLLIN}}
	for {
		fds[1].Fd = int32(c.sockFD())
		if _, err := unix.Ppoll(fds[:], c.pollTimeout(), nil); err != nil && err != unix.EINTR {
			c.reply.wall = time.Since(c.start)
			break
		}
		if c.handle(fds[0].Revents, fds[1].Revents) {
			break
		}
	}
	self.finish(c)
}

// finish kills what is left of the group, reaps the child and replies.
func (self *spawnerSelf) finish(c *spawnedChild) {
	killGroup(c.pid) // leftovers
	c.reply.status, c.reply.usage, _ = reap(c.pid)
	self.mu.Lock()
	delete(self.groups, c.pid)
	self.mu.Unlock()
	_, _ = unix.Write(c.sock, c.reply.encode())
	unix.Close(c.sock)
	unix.Close(c.pidfd)
}

// errStartFailed stops the output loop when the spawner could not start
// the program; the caller reports the spawner's errno.
var errStartFailed = errors.New("start failed")

// startAndWaitViaSpawner is startAndWait for a run handed to the spawner:
// one ppoll loop over the two output pipes and the run socket, which
// brings the spawner's reply when the child has exited and been reaped.
// It returns errSpawnerUnavailable, with the pipes untouched, when the
// run could not be handed over; nothing ran then.
func (r StdProcessRunner) startAndWaitViaSpawner(ctx context.Context, s *spawnerConn, spec *CommandSpec, path string, env []string, outPipe, errPipe [2]int, stdout, stderr *capture.Head) (exitWait, error) {
	q := spawnRequest{path: path, dir: spec.Cwd, argv: spec.Argv, env: env, timeout: spec.Timeout}
	var w exitWait
	w.start = time.Now()
	sock, err := s.send(&q, outPipe[1], errPipe[1])
	if err != nil {
		return exitWait{}, err
	}
	defer unix.Close(sock)
	// The spawner holds its own copies now.
	unix.Close(outPipe[1])
	unix.Close(errPipe[1])
	var killSwitch *killSwitch
	if ctx.Done() != nil {
		killSwitch = armKillSwitch(ctx, w.start, 0, func() {
			_, _ = unix.Write(sock, []byte{killRequest})
		})
	}

	var reply spawnReply
	var buf [spawnReplySize + 1]byte
	exited, waitErr := pumpOutput(outPipe[0], errPipe[0], sock, [2]*capture.Head{stdout, stderr}, r.pipeGrace(),
		func() (bool, error) {
			n, err := unix.Read(sock, buf[:])
			if err == unix.EINTR || err == unix.EAGAIN {
				return false, nil
			}
			var ok bool
			if err == nil {
				reply, ok = decodeSpawnReply(buf[:max(n, 0)])
			}
			if !ok {
				// The spawner died with the run in its hands; its
				// children were killed with it (Pdeathsig).
				s.markDead()
				return false, errors.New("the spawner process died during the run")
			}
			if killSwitch != nil {
				killSwitch.markExited()
			}
			if reply.errno != 0 {
				return true, errStartFailed
			}
			return true, nil
		})
	if waitErr == errStartFailed {
		return exitWait{}, startError(spec, path, syscall.Errno(reply.errno))
	}
	if !exited && killSwitch != nil {
		killSwitch.markExited()
	}
	if waitErr != nil {
		// Closing the run socket (deferred) makes a live spawner kill
		// the group and reap the child.
		return exitWait{}, newError(KindRunCommand, spec.Argv, "cannot wait for program", waitErr)
	}
	w.end = w.start.Add(reply.wall)
	w.status, w.usage, w.cause = reply.status, reply.usage, reply.cause
	w.viaSpawner, w.rssFloorKiB = true, reply.floorKiB
	return w, nil
}
