//go:build linux

package adapters

// The spawner's side (see spawner_launch_linux.go): serving runs until the
// caller is gone, with its own peak memory kept small and reset before
// each spawn, so that the floor a child can inherit is known.

import (
	"encoding/binary"
	"errors"
	"os"
	"runtime"
	"runtime/debug"
	"sync"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/perfgate/adapters/internal/procfs"
)

// spawnerServer is the spawner's state.
type spawnerServer struct {
	ctl       int // the control socket
	null      int
	clearRefs int // /proc/self/clear_refs, -1 when it cannot be opened
	// spawnMu makes the reset of the peak, the spawn and the child's entry
	// in children one step, so that a spawn resets the peak only when no
	// other child is alive: no reset comes between a child's spawn and the
	// read of its floor, taken when it has exited.
	spawnMu sync.Mutex
	// runs counts the runs waited for by goroutines.
	runs sync.WaitGroup
	// startKiB is the spawner's VmHWM after its first shrink, baseKiB
	// the floor of the first run after its last shrink (the pages the
	// spawner needs fault back in), 0 until that run; lastShrink is when.
	startKiB, baseKiB uint64
	lastShrink        time.Time

	mu sync.Mutex
	// children maps the pid of each run in flight, which is also its
	// process group's id, to its pidfd.
	children map[int]int
	token    []byte // echoed in the hello
}

// serveSpawner serves requests until the control socket reaches end of
// file. One goroutine does it all while runs come one at a time: it
// spawns a child and waits for it in one ppoll with the control socket,
// as a C loop would, with no hand-off to another thread (each costs tens
// of microseconds on a VM). A request that comes while a run is in flight
// gets a goroutine of its own, so that neither run's clock waits for the
// other's spawn.
func serveSpawner(ctl int, token []byte) {
	srv, err := newSpawnerServer(ctl, token)
	if err != nil {
		return
	}
	if err := srv.sayHello(); err != nil {
		return
	}
	srv.serve()
	srv.runs.Wait()
}

func newSpawnerServer(ctl int, token []byte) (*spawnerServer, error) {
	runtime.GOMAXPROCS(min(runtime.GOMAXPROCS(0), 2))
	// Started as /proc/self/exe, it would show as "exe" in ps.
	_ = unix.Prctl(unix.PR_SET_NAME, uintptr(unsafe.Pointer(&[]byte("perfgate-spawn\x00")[0])), 0, 0, 0)
	// A small heap: the Go default lets up to 4 MiB of garbage (decoded
	// requests) pile up before the first collection, and the floor with it.
	debug.SetGCPercent(10)
	srv := &spawnerServer{ctl: ctl, clearRefs: -1, children: map[int]int{}, token: token}
	var err error
	if srv.null, err = unix.Open(os.DevNull, unix.O_RDWR|unix.O_CLOEXEC, 0); err != nil {
		return nil, err
	}
	if fd, err := unix.Open("/proc/self/clear_refs", unix.O_WRONLY|unix.O_CLOEXEC, 0); err == nil {
		srv.clearRefs = fd
	}
	unix.CloseOnExec(ctl)
	// Opens the /proc/self files the floor is read from, kept open from
	// now on: a run's descriptors are all its own.
	_ = ownPeak()
	srv.shrink()
	return srv, nil
}

// sayHello tells the caller the spawner is ready: the caller's token
// (the proof that this is the spawner it started), its pid and VmHWM.
func (srv *spawnerServer) sayHello() error {
	hello := []byte(spawnerReady)
	hello = append(hello, srv.token...)
	hello = binary.LittleEndian.AppendUint64(hello, uint64(os.Getpid()))
	hello = binary.LittleEndian.AppendUint64(hello, srv.startKiB)
	_, err := unix.Write(srv.ctl, hello)
	return err
}

// serve is the loop: one ppoll over the control socket and, while a run
// is waited for on this goroutine, its pidfd and run socket.
func (srv *spawnerServer) serve() {
	buf := make([]byte, maxSpawnRequest+1)
	oob := make([]byte, unix.CmsgSpace(5*4))
	var cur *spawnedChild // the run this goroutine waits for
	fds := [3]unix.PollFd{{Fd: int32(srv.ctl), Events: unix.POLLIN}}
	for fds[0].Fd >= 0 || cur != nil {
		n, deadline := 1, time.Time{}
		if cur != nil {
			fds[1] = unix.PollFd{Fd: int32(cur.pidfd), Events: unix.POLLIN}
			fds[2] = unix.PollFd{Fd: int32(cur.sockFD()), Events: unix.POLLIN}
			n, deadline = 3, cur.pendingDeadline()
		}
		if _, err := ppollUntil(fds[:n], deadline); err != nil {
			break
		}
		if cur != nil && cur.handle(fds[1].Revents, fds[2].Revents) {
			srv.finish(cur)
			srv.shrinkIfGrown(cur.reply.floorKiB)
			cur = nil
		}
		if fds[0].Fd < 0 || fds[0].Revents == 0 {
			continue
		}
		q, fdsIn, err := receiveRequest(srv.ctl, buf, oob)
		switch {
		case err == unix.EINTR || err == unix.EAGAIN || err == errBadMessage:
		case err != nil:
			fds[0].Fd = -1 // the caller has exited: nobody wants the results
			srv.killAll()
		case cur == nil:
			cur = srv.spawn(q, fdsIn)
		default:
			srv.spawnAndWaitAside(q, fdsIn)
		}
	}
}

// shrinkAfterKiB is how much the floor may grow above the first run's
// after a shrink before the spawner shrinks again.
const shrinkAfterKiB = 512

// shrinkIfGrown shrinks the spawner again, off any run's clock, when no
// run is in flight and the floor has grown by shrinkAfterKiB since the
// first run after the last shrink (its heap, thread stacks of concurrent
// runs, code pages of other paths), at most every 100 ms: a shrink takes
// about a millisecond, at most 1 % of the time. Dropping the code pages
// after every run would keep the floor lower still, but the spawn path
// then faults them back in on every run: about 1.5 times the per-run cost.
func (srv *spawnerServer) shrinkIfGrown(floorKiB uint64) {
	if srv.alive() != 0 {
		return // a reset now would lower the floor of a run in flight
	}
	switch {
	case srv.baseKiB == 0:
		srv.baseKiB = floorKiB
	case floorKiB > srv.baseKiB+shrinkAfterKiB && time.Since(srv.lastShrink) > 100*time.Millisecond:
		srv.shrink()
	}
}

// spawnAndWaitAside serves a request that came while a run is in flight,
// on a goroutine of its own.
func (srv *spawnerServer) spawnAndWaitAside(q *spawnRequest, fdsIn []int) {
	srv.runs.Add(1)
	go func() {
		defer srv.runs.Done()
		if c := srv.spawn(q, fdsIn); c != nil {
			srv.wait(c)
		}
	}()
}

// alive counts the children spawned and not yet finished.
func (srv *spawnerServer) alive() int {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	return len(srv.children)
}

// killAll kills every run in flight: its child and its process group.
func (srv *spawnerServer) killAll() {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	for pid, pidfd := range srv.children {
		killChildAndGroup(pid, pidfd)
	}
}

// killChildAndGroup kills a run's child through its pidfd, which cannot
// reach another process even should the child have left its group
// (setsid, setpgid), and the group whose id is the child's pid. The
// spawner calls it only before it reaps the child, so neither id can have
// been reused.
func killChildAndGroup(pid, pidfd int) {
	_ = unix.PidfdSendSignal(pidfd, unix.SIGKILL, nil, 0)
	killGroup(pid)
}

// fileRange is the address range of a read-only file mapping.
type fileRange struct{ start, length uintptr }

// readOnlyFileRanges lists the spawner's read-only file mappings that hold
// no private copy (the executable's text and read-only data, which the
// program's initialization and the spawn path touch: a few MiB for a
// large binary). Dropping their pages (dropFilePages) loses nothing: they
// stay in the page cache, and those the spawner touches again fault back
// in. Only mappings that are not writable qualify: MADV_DONTNEED on a
// writable private mapping would discard its data.
func readOnlyFileRanges() []fileRange {
	data, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		return nil
	}
	var ranges []fileRange
	for _, m := range procfs.ParseSmaps(data) {
		if m.ReadOnlyFile() && !m.Private && m.End > m.Start {
			ranges = append(ranges, fileRange{uintptr(m.Start), uintptr(m.End - m.Start)})
		}
	}
	return ranges
}

// dropFilePages drops the resident pages of ranges from the resident set.
func dropFilePages(ranges []fileRange) {
	for _, r := range ranges {
		_, _, _ = unix.Syscall(unix.SYS_MADVISE, r.start, r.length, unix.MADV_DONTNEED)
	}
}

// shrink returns the spawner's free heap to the system, drops its clean
// file pages and resets its peak.
func (srv *spawnerServer) shrink() {
	debug.FreeOSMemory()
	dropFilePages(readOnlyFileRanges())
	srv.resetPeak()
	if srv.startKiB == 0 {
		srv.startKiB, _ = callerPeakRSSKiB()
	}
	srv.baseKiB, srv.lastShrink = 0, time.Now()
}

// resetPeak sets the spawner's VmHWM to its current RSS.
func (srv *spawnerServer) resetPeak() {
	if srv.clearRefs >= 0 {
		_, _ = unix.Write(srv.clearRefs, []byte("5"))
	}
}

// spawnedChild is a run in the spawner, from its spawn to its reply.
type spawnedChild struct {
	pid, pidfd, sock int
	sockOpen         bool
	start, deadline  time.Time
	reply            spawnReply
}

// spawn starts one child with the descriptors fdsIn (stdin, stdout,
// stderr, run socket) and returns it, or nil when it could not start (the
// reply is sent then).
func (srv *spawnerServer) spawn(q *spawnRequest, fdsIn []int) *spawnedChild {
	sock, side := fdsIn[3], fdsIn[4]
	defer unix.Close(side)
	pidfd := -1
	attr := &syscall.ProcAttr{
		Dir:   q.dir,
		Env:   q.env,
		Files: []uintptr{uintptr(fdsIn[0]), uintptr(fdsIn[1]), uintptr(fdsIn[2])},
		Sys: &syscall.SysProcAttr{
			Setpgid: true,
			PidFD:   &pidfd,
			// Should the spawner die, its children go with it.
			Pdeathsig: syscall.SIGKILL,
		},
	}
	srv.spawnMu.Lock()
	if srv.alive() == 0 {
		srv.resetPeak()
	}
	start := time.Now()
	pid, _, err := syscall.StartProcess(q.path, q.argv, attr)
	if err == nil {
		srv.mu.Lock()
		srv.children[pid] = pidfd
		srv.mu.Unlock()
	}
	srv.spawnMu.Unlock()
	closeFDs(fdsIn[:3])
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
	// The caller holds the run's deadline too: it needs the child, which
	// the pidfd names without a pid-reuse race. The message waits on the
	// side socket, which the caller reads only when it must kill, so that
	// it costs the caller no wake-up. A caller that has gone makes this
	// fail, which changes nothing.
	_ = unix.Sendmsg(side, encodeSpawnStarted(pid), unix.UnixRights(pidfd), nil, unix.MSG_NOSIGNAL|unix.MSG_DONTWAIT)
	c := &spawnedChild{pid: pid, pidfd: pidfd, sock: sock, sockOpen: true, start: start}
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

// pendingDeadline is the run's deadline while it has not been killed,
// killing the group when it has come; zero when there is none to wait for.
func (c *spawnedChild) pendingDeadline() time.Time {
	if c.deadline.IsZero() || c.reply.cause != notKilled {
		return time.Time{}
	}
	if !time.Now().Before(c.deadline) {
		c.reply.cause = killedAtDeadline
		killChildAndGroup(c.pid, c.pidfd)
		return time.Time{}
	}
	return c.deadline
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
		// A kill request ('t' at the caller's deadline, which comes after
		// the spawner's own only when the spawner was late), or the
		// caller gave up on the run.
		if c.reply.cause == notKilled {
			c.reply.cause = killedByContext
			if n == 1 && one[0] == deadlineRequest {
				c.reply.cause = killedAtDeadline
			}
			killChildAndGroup(c.pid, c.pidfd)
		}
		if n <= 0 {
			c.sockOpen = false
		}
	}
	return false
}

// wait waits for c on a goroutine of its own, then finishes it.
func (srv *spawnerServer) wait(c *spawnedChild) {
	fds := [2]unix.PollFd{{Fd: int32(c.pidfd), Events: unix.POLLIN}, {Events: unix.POLLIN}}
	for {
		fds[1].Fd = int32(c.sockFD())
		if _, err := ppollUntil(fds[:], c.pendingDeadline()); err != nil {
			c.reply.wall = time.Since(c.start)
			break
		}
		if c.handle(fds[0].Revents, fds[1].Revents) {
			break
		}
	}
	srv.finish(c)
}

// finish kills what is left of the group, reaps the child and replies.
// The child leaves the map before it is reaped: killAll, on another
// goroutine, must not signal a group id that the reap makes reusable.
func (srv *spawnerServer) finish(c *spawnedChild) {
	// The child has exited, so exec has long folded the spawner's peak
	// into it (since Linux 7.2 that happens after the spawn returns, in
	// setup_new_exec), and while it is in children no reset has lowered
	// that peak: the floor read now bounds what the child inherited.
	c.reply.floorKiB = ownPeak().floorKiB()
	killGroup(c.pid) // leftovers
	srv.mu.Lock()
	delete(srv.children, c.pid)
	srv.mu.Unlock()
	status, usage, _ := reap(c.pid)
	c.reply.status, c.reply.usage = uint32(status), *rusageOf(&usage)
	_, _ = unix.Write(c.sock, c.reply.encode())
	unix.Close(c.sock)
	unix.Close(c.pidfd)
}
