//go:build linux

package adapters

// The caller's side of the spawner (see spawner_launch_linux.go): starting
// it, handing it a run, and waiting for the run's reply while reading the
// run's output.

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strconv"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

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
)

// usesSpawner says whether p's child is started through the spawner.
func (p *runPlan) usesSpawner() bool {
	use, _ := p.spawnerChoice()
	return use
}

// spawnerChoice says whether p's child is started through the spawner and,
// when the spawner was asked for but is not used, why.
func (p *runPlan) spawnerChoice() (use bool, why string) {
	switch {
	case !(p.spawner || testHooks.spawnerForAll):
		return false, ""
	case p.scope == ScopeTree:
		return false, "" // tree scope always spawns directly, as documented
	case !pidfdWorks():
		return false, "the kernel gives no pidfds (Linux before 5.3)"
	}
	if v := os.Getenv(NoSpawnerEnvKey); v != "" && v != "0" {
		return false, NoSpawnerEnvKey + " is set"
	}
	return true, ""
}

// theSpawner returns the live spawner, starting it on first use; nil and
// the reason when it cannot start or has died (the caller then spawns
// directly).
func theSpawner() (*spawnerConn, string) {
	spawnerMu.Lock()
	defer spawnerMu.Unlock()
	if s := spawnerState; s != nil {
		if !s.isDead() {
			return s, ""
		}
		return nil, "the spawner has died"
	}
	if spawnerTried {
		return nil, "the spawner could not be started"
	}
	spawnerTried = true
	exe := testHooks.spawnerExe
	if exe == "" {
		exe = "/proc/self/exe"
	}
	s, err := startSpawner(exe)
	if err != nil {
		return nil, "the spawner could not be started: " + err.Error()
	}
	spawnerState = s
	return s, ""
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
	fds := []unix.PollFd{{Fd: int32(s.fd), Events: unix.POLLIN}}
	n, err := ppollUntil(fds, time.Now().Add(limit))
	switch {
	case err != nil:
		return err
	case n == 0:
		return errors.New("spawner: no hello")
	}
	buf := make([]byte, 64)
	m, err := ignoringEINTRIO(func() (int, error) { return unix.Read(s.fd, buf) })
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

// errSpawnerUnavailable says the run was not handed to the spawner and
// nothing ran: the caller spawns directly instead. The error that wraps it
// says why.
var errSpawnerUnavailable = errors.New("spawner unavailable")

func spawnerUnavailable(why string) error {
	return fmt.Errorf("%w: %s", errSpawnerUnavailable, why)
}

// send hands a run to the spawner with the child's descriptors 0, 1 and 2;
// it returns the caller's end of the run socket, or an error wrapping
// errSpawnerUnavailable.
func (s *spawnerConn) send(q *spawnRequest, child [3]int) (int, error) {
	msg := q.encode()
	if len(msg) > maxSpawnRequest {
		return -1, spawnerUnavailable("the request (argv, environment) is over " + strconv.Itoa(maxSpawnRequest>>10) + " KiB")
	}
	run, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, spawnerUnavailable("socketpair: " + err.Error())
	}
	oob := unix.UnixRights(child[0], child[1], child[2], run[1])
	err = ignoringEINTR(func() error { return unix.Sendmsg(s.fd, msg, oob, nil, unix.MSG_NOSIGNAL) })
	unix.Close(run[1])
	if err != nil {
		unix.Close(run[0])
		if err == unix.EPIPE || err == unix.ECONNRESET || err == unix.ENOTCONN {
			s.markDead()
			return -1, spawnerUnavailable("the spawner has died")
		}
		return -1, spawnerUnavailable("sendmsg: " + err.Error())
	}
	return run[0], nil
}

// errStartFailed stops the output loop when the spawner could not start
// the program; the caller reports the spawner's errno.
var errStartFailed = errors.New("start failed")

// startAndWaitViaSpawner is startAndWait for a run handed to the spawner:
// one ppoll loop over the two output pipes and the run socket, which
// brings the spawner's reply when the child has exited and been reaped.
// It returns an error wrapping errSpawnerUnavailable, with the streams
// untouched, when the run could not be handed over; nothing ran then.
func startAndWaitViaSpawner(ctx context.Context, s *spawnerConn, p *runPlan, streams *rawStdio) (exitRecord, error) {
	q := spawnRequest{path: p.path, dir: p.spec.Cwd, argv: p.spec.Argv, env: p.env, timeout: p.spec.Timeout}
	var rec exitRecord
	rec.start = time.Now()
	sock, err := s.send(&q, streams.child)
	if err != nil {
		return exitRecord{}, err
	}
	defer unix.Close(sock)
	streams.closeChildEnds() // the spawner holds its own copies now
	var killSwitch *killSwitch
	if ctx.Done() != nil {
		killSwitch = armKillSwitch(ctx, rec.start, 0, func() {
			_, _ = unix.Write(sock, []byte{killRequest})
		})
	}

	var reply spawnReply
	exited, waitErr := pumpOutput(streams, sock, p, func() (bool, error) {
		done, err := readSpawnReply(sock, &reply)
		if !done {
			return false, err
		}
		if err != nil {
			// The spawner died with the run in its hands; its children
			// were killed with it (Pdeathsig).
			s.markDead()
			return false, err
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
		return exitRecord{}, startError(p.spec, p.path, syscall.Errno(reply.errno))
	}
	if !exited && killSwitch != nil {
		killSwitch.markExited()
	}
	if waitErr != nil {
		// Closing the run socket (deferred) makes a live spawner kill
		// the group and reap the child.
		return exitRecord{}, waitError(p.spec, waitErr)
	}
	rec.end = rec.start.Add(reply.wall)
	rec.setSpawnReply(&reply)
	return rec, nil
}

// readSpawnReply reads the reply from the run socket once it is readable.
// done is false when there was nothing to read yet (EINTR, EAGAIN); an
// error with done set means the spawner died.
func readSpawnReply(sock int, reply *spawnReply) (done bool, err error) {
	var buf [256]byte
	n, err := unix.Read(sock, buf[:])
	if err == unix.EINTR || err == unix.EAGAIN {
		return false, nil
	}
	if err == nil {
		*reply, err = decodeSpawnReply(buf[:max(n, 0)])
	}
	if err != nil {
		return true, errors.New("the spawner process died during the run")
	}
	return true, nil
}

// setSpawnReply records what the spawner saw of the child. The spawner's
// peak just after the spawn is the only floor of the child's peak.
func (e *exitRecord) setSpawnReply(reply *spawnReply) {
	e.setStatus(syscall.WaitStatus(reply.status))
	e.cause = reply.cause
	usage := reply.usage
	e.usage = &usage
	e.inheritedPeakKiB = reply.floorKiB
	e.viaSpawner = true
}
