//go:build linux

package spawner

// The spawner's side: serving runs until the caller is gone, with its own
// peak memory kept small and reset before each spawn, so that the floor a
// child can inherit is known.

import (
	"os"
	"runtime"
	"runtime/debug"
	"sync"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/perfgate/adapters/internal/peak"

	"github.com/perfgate/adapters/internal/sysproc"
)

// server is the spawner's state.
type server struct {
	ctl       int // the control socket
	clearRefs int // /proc/self/clear_refs, -1 when it cannot be opened
	// spawnMu makes the reset of the peak, the spawn and the child's entry
	// in children one step, so that a spawn resets the peak only when no
	// other child is alive: no reset comes between a child's spawn and the
	// read of its floor, taken when it has exited.
	spawnMu sync.Mutex
	// ignored is the set of signals the spawner ignores (SigIgn), which
	// its next child inherits; it changes under spawnMu, to each
	// request's set (signals_linux.go).
	ignored uint64
	// runs counts the runs waited for by goroutines.
	runs sync.WaitGroup
	footprint

	mu sync.Mutex
	// children maps the pid of each run in flight, which is also its
	// process group's id, to its pidfd.
	children map[int]int
	token    []byte // echoed in the hello
}

// serve serves requests until the control socket reaches end of file.
// One goroutine does it all while runs come one at a time: it spawns a
// child and waits for it in one ppoll with the control socket, as a C
// loop would, with no hand-off to another thread (each costs tens of
// microseconds on a VM). A request that comes while a run is in flight
// gets a goroutine of its own, so that neither run's clock waits for the
// other's spawn.
func serve(ctl int, token []byte) {
	srv := newServer(ctl, token)
	if err := srv.sayHello(); err != nil {
		return
	}
	srv.loop()
	srv.runs.Wait()
}

func newServer(ctl int, token []byte) *server {
	runtime.GOMAXPROCS(min(runtime.GOMAXPROCS(0), 2))
	// Started as /proc/self/exe, it would show as "exe" in ps.
	_ = unix.Prctl(unix.PR_SET_NAME, uintptr(unsafe.Pointer(&[]byte("perfgate-spawn\x00")[0])), 0, 0, 0)
	// A small heap: the Go default lets up to 4 MiB of garbage (decoded
	// requests) pile up before the first collection, and the floor with it.
	debug.SetGCPercent(10)
	srv := &server{ctl: ctl, clearRefs: -1, children: map[int]int{}, token: token, ignored: ownIgnored()}
	if fd, err := unix.Open("/proc/self/clear_refs", unix.O_WRONLY|unix.O_CLOEXEC, 0); err == nil {
		srv.clearRefs = fd
	}
	unix.CloseOnExec(ctl)
	// Opens the /proc/self files the floor is read from, kept open from
	// now on: a run's descriptors are all its own.
	_ = peak.Own()
	srv.shrink(srv.resetPeak)
	return srv
}

// sayHello tells the caller the spawner is ready.
func (srv *server) sayHello() error {
	h := hello{token: srv.token, pid: os.Getpid(), floorKiB: srv.startKiB}
	_, err := unix.Write(srv.ctl, h.encode())
	return err
}

// loop is one ppoll over the control socket and, while a run is waited
// for on this goroutine, its pidfd and run socket.
func (srv *server) loop() {
	buf := make([]byte, maxRequest+1)
	oob := make([]byte, unix.CmsgSpace(requestFDs*4))
	var cur *child // the run this goroutine waits for
	fds := [3]unix.PollFd{{Fd: int32(srv.ctl), Events: unix.POLLIN}}
	for fds[0].Fd >= 0 || cur != nil {
		n, deadline := 1, time.Time{}
		if cur != nil {
			fds[1] = unix.PollFd{Fd: int32(cur.pidfd), Events: unix.POLLIN}
			fds[2] = unix.PollFd{Fd: int32(cur.sockFD()), Events: unix.POLLIN}
			n, deadline = 3, cur.pendingDeadline()
		}
		if _, err := sysproc.PpollUntil(fds[:n], deadline); err != nil {
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
		var open bool
		if cur, open = srv.takeRequests(buf, oob, cur); !open {
			fds[0].Fd = -1 // the caller has exited: nobody wants the results
			srv.killAll()
		}
	}
}

// takeRequests serves every request waiting on the control socket, not
// only the first: a request queued behind another must not wait for the
// next wake-up, its child's clock not having started. When no run is
// waited for on the loop's goroutine (cur is nil), the first request is,
// once the others have their goroutines. It returns the run now waited
// for there, and false when the control socket reached end of file.
func (srv *server) takeRequests(buf, oob []byte, cur *child) (*child, bool) {
	type request struct {
		q     *Request
		fdsIn []int
	}
	var first *request
	open := true
	for {
		q, fdsIn, err := receiveRequest(srv.ctl, buf, oob)
		if err == unix.EINTR || err == errBadMessage {
			continue
		}
		if err != nil {
			open = err == unix.EAGAIN
			break
		}
		if cur == nil && first == nil {
			first = &request{q, fdsIn}
			continue
		}
		srv.spawnAndWaitAside(q, fdsIn)
	}
	if first != nil {
		cur = srv.spawn(first.q, first.fdsIn)
	}
	return cur, open
}

// shrinkIfGrown keeps the floor of the next run where it started, off
// any run's clock, while the spawner is idle (footprint.shrinkIfGrown).
func (srv *server) shrinkIfGrown(floorKiB uint64) {
	if srv.alive() != 0 {
		return // a reset now would lower the floor of a run in flight
	}
	srv.footprint.shrinkIfGrown(floorKiB, srv.resetPeak)
}

// spawnAndWaitAside serves a request that came while a run is in flight,
// on a goroutine of its own.
func (srv *server) spawnAndWaitAside(q *Request, fdsIn []int) {
	srv.runs.Add(1)
	go func() {
		defer srv.runs.Done()
		if c := srv.spawn(q, fdsIn); c != nil {
			srv.wait(c)
		}
	}()
}

// alive counts the children spawned and not yet finished.
func (srv *server) alive() int {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	return len(srv.children)
}

// killAll kills every run in flight: its child and its process group.
func (srv *server) killAll() {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	for pid, pidfd := range srv.children {
		sysproc.KillChildAndGroup(pid, pidfd)
	}
}

// resetPeak sets the spawner's VmHWM to its current RSS.
func (srv *server) resetPeak() {
	if srv.clearRefs >= 0 {
		_, _ = unix.Write(srv.clearRefs, []byte("5"))
	}
}
