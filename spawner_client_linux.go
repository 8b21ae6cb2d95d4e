//go:build linux

package adapters

// The caller's side of the spawner (see spawner_launch_linux.go): starting
// it, restarting it (bounded) when it has died, retiring it, and handing
// it a run. spawner_run_linux.go waits for a run handed over.

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strconv"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// spawnerConn is the caller's connection to one spawner.
type spawnerConn struct {
	fd  int // control socket, above descriptor 2
	pid int
	// pidfd is the spawner's pidfd, -1 when pidfd_open failed: through
	// it the caller kills a hung spawner and reaps a spawner that became
	// its child (a subreaper's), with no pid-reuse race.
	pidfd int
	// floorKiB is the spawner's VmHWM when it said it was ready.
	floorKiB uint64
	// state is the caller's state just before it started the spawner,
	// which the spawner inherited.
	state callerState

	mu       sync.Mutex
	dead     bool
	why      string // why it is dead
	inFlight int    // runs handed over and not finished
	closed   bool
}

// The spawner of this process, and the bounds of its restarts: at most
// maxSpawnerStarts starts in any spawnerStartWindow, and after a failed
// start none before spawnerRetryAt (a backoff that doubles up to 10 min).
var (
	spawnerMu         sync.Mutex
	spawnerState      *spawnerConn
	spawnerStarts     []time.Time
	spawnerRetryAt    time.Time
	spawnerBackoff    time.Duration
	spawnerLastFailed string
)

const (
	maxSpawnerStarts   = 5
	spawnerStartWindow = time.Minute
	firstSpawnerRetry  = 10 * time.Second
	lastSpawnerRetry   = 10 * time.Minute
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

// theSpawner returns the live spawner, starting one when there is none or
// the last has died or was retired, within the bounds above; nil and the
// reason when there is none to use (the caller then spawns directly).
func theSpawner() (*spawnerConn, string) {
	spawnerMu.Lock()
	defer spawnerMu.Unlock()
	old := spawnerState
	if old != nil && !old.isDead() {
		return old, ""
	}
	now := time.Now()
	if now.Before(spawnerRetryAt) {
		return nil, "the spawner could not be started: " + spawnerLastFailed
	}
	if n := len(spawnerStarts); n >= maxSpawnerStarts && now.Sub(spawnerStarts[n-maxSpawnerStarts]) < spawnerStartWindow {
		return nil, old.deathReason() + "; not restarted: " + strconv.Itoa(maxSpawnerStarts) +
			" spawners were started in the last " + spawnerStartWindow.String()
	}
	spawnerStarts = append(spawnerStarts[max(0, len(spawnerStarts)-maxSpawnerStarts+1):], now)
	exe := testHooks.spawnerExe
	if exe == "" {
		exe = "/proc/self/exe"
	}
	s, err := startSpawner(exe)
	if err != nil {
		spawnerBackoff = min(max(2*spawnerBackoff, firstSpawnerRetry), lastSpawnerRetry)
		spawnerRetryAt, spawnerLastFailed = time.Now().Add(spawnerBackoff), err.Error()
		return nil, "the spawner could not be started: " + err.Error()
	}
	spawnerState, spawnerBackoff = s, 0
	return s, ""
}

// deathReason says why s is not used; s may be nil.
func (s *spawnerConn) deathReason() string {
	if s == nil {
		return "the spawner could not be started"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.why
}

func (s *spawnerConn) isDead() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dead
}

// acquire reserves s for one run: its control socket stays open until the
// matching release. It is false when s is dead.
func (s *spawnerConn) acquire() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dead {
		return false
	}
	s.inFlight++
	return true
}

// release ends a run's use of s, and closes s when it is dead and that
// was its last run.
func (s *spawnerConn) release() {
	s.mu.Lock()
	s.inFlight--
	closeNow := s.dead && s.inFlight == 0 && !s.closed
	s.closed = s.closed || closeNow
	s.mu.Unlock()
	if closeNow {
		s.close()
	}
}

// retire stops the use of s (later runs start a new spawner) and closes
// it once its runs in flight are over: closing the control socket earlier
// would make the spawner kill them.
func (s *spawnerConn) retire(why string) {
	s.mu.Lock()
	if !s.dead {
		s.dead, s.why = true, why
	}
	closeNow := s.inFlight == 0 && !s.closed
	s.closed = s.closed || closeNow
	s.mu.Unlock()
	if closeNow {
		s.close()
	}
}

// close closes the control socket, kills the spawner (it serves no run)
// and reaps it should it be the caller's child, as it is when the caller
// is a child subreaper: waitid on a pidfd that is not our child's fails
// at once with ECHILD.
func (s *spawnerConn) close() {
	unix.Close(s.fd)
	if s.pidfd < 0 {
		return
	}
	_ = unix.PidfdSendSignal(s.pidfd, unix.SIGKILL, nil, 0)
	var info unix.Siginfo
	_ = ignoringEINTR(func() error { return unix.Waitid(unix.P_PIDFD, s.pidfd, &info, unix.WEXITED, nil) })
	unix.Close(s.pidfd)
}

// kill kills a spawner that no longer answers, at once: its runs in
// flight end with it (their children by PR_SET_PDEATHSIG, their groups
// killed by their callers).
func (s *spawnerConn) kill(why string) {
	if s.pidfd >= 0 {
		_ = unix.PidfdSendSignal(s.pidfd, unix.SIGKILL, nil, 0)
	}
	s.retire(why)
}

// startSpawner starts a spawner through a launcher and waits for its
// hello. The caller's state is read first: a change made while the
// spawner starts then shows as a change at the next run (a needless
// direct spawn), never as none.
func startSpawner(exe string) (*spawnerConn, error) {
	state, err := readCallerState()
	if err != nil {
		return nil, err
	}
	token := make([]byte, spawnerTokenLen)
	if _, err := rand.Read(token); err != nil {
		return nil, err
	}
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	// The control socket lives as long as the caller: a caller that
	// closed its stdin must not find it as descriptor 0.
	if fds[0], err = moveAboveStdio(fds[0]); err != nil {
		unix.Close(fds[1])
		return nil, err
	}
	s := &spawnerConn{fd: fds[0], pidfd: -1, state: state}
	err = s.launch(exe, fds[1], token)
	unix.Close(fds[1])
	if err == nil {
		err = s.openPidfd()
	}
	if err != nil {
		unix.Close(s.fd)
		return nil, err
	}
	return s, nil
}

// launch runs the launcher with the spawner's end of the control socket
// and waits for the hello.
func (s *spawnerConn) launch(exe string, theirs int, token []byte) error {
	null, err := devNull()
	if err != nil {
		return err
	}
	env := append(os.Environ(), spawnerEnvKey+"=launch:"+hex.EncodeToString(token))
	pid, err := syscall.ForkExec(exe, []string{os.Args[0]}, &syscall.ProcAttr{
		Env: env,
		// Not even the caller's stderr: a spawner holding a pipe the
		// caller's own reader waits on would delay that reader's EOF.
		Files: []uintptr{uintptr(null), uintptr(null), uintptr(null), uintptr(theirs)},
		Sys:   &syscall.SysProcAttr{Setpgid: true},
	})
	if err != nil {
		return err
	}
	err = s.awaitReady(5*time.Second, token)
	if err != nil {
		// The launcher may hang (in an initializer of the program that
		// runs before this package's): it is our child, so killing it is
		// safe until it is reaped. A spawner that is late sees end of file
		// and exits.
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
	_, _, _ = reap(pid) // the launcher exits once the spawner is started
	return err
}

// awaitReady reads the spawner's hello: the ready text, the caller's
// token, the spawner's pid and VmHWM.
func (s *spawnerConn) awaitReady(limit time.Duration, token []byte) error {
	fds := []unix.PollFd{{Fd: int32(s.fd), Events: unix.POLLIN}}
	n, err := ppollUntil(fds, time.Now().Add(limit))
	switch {
	case err != nil:
		return err
	case n == 0:
		return errors.New("spawner: no hello")
	}
	buf := make([]byte, 128)
	m, err := ignoringEINTRIO(func() (int, error) { return unix.Read(s.fd, buf) })
	if err != nil {
		return err
	}
	head := len(spawnerReady) + spawnerTokenLen
	if m != head+16 || string(buf[:len(spawnerReady)]) != spawnerReady ||
		string(buf[len(spawnerReady):head]) != string(token) {
		return errors.New("spawner: bad hello")
	}
	s.pid = int(binary.LittleEndian.Uint64(buf[head:]))
	s.floorKiB = binary.LittleEndian.Uint64(buf[head+8:])
	return nil
}

// openPidfd opens the spawner's pidfd. The pid came in the hello; it named
// the spawner when pidfd_open ran if the spawner is still alive after it,
// and it is as long as its end of the control socket is open (only the
// spawner holds it, and only its exit closes it).
func (s *spawnerConn) openPidfd() error {
	pidfd, err := unix.PidfdOpen(s.pid, 0)
	if err != nil {
		return fmt.Errorf("spawner: pidfd_open: %w", err)
	}
	if pidfd, err = moveAboveStdio(pidfd); err != nil {
		return err
	}
	fds := []unix.PollFd{{Fd: int32(s.fd), Events: unix.POLLIN}}
	if _, err := unix.Ppoll(fds, &unix.Timespec{}, nil); err != nil || fds[0].Revents&(unix.POLLHUP|unix.POLLERR) != 0 {
		unix.Close(pidfd)
		return errors.New("spawner: died after its hello")
	}
	s.pidfd = pidfd
	return nil
}

// errSpawnerUnavailable says the run was not handed to the spawner and
// nothing ran: the caller spawns directly instead. The error that wraps it
// says why.
var errSpawnerUnavailable = errors.New("spawner unavailable")

// errSpawnerGone is send's error when the spawner was found dead: a new
// one may take the run.
var errSpawnerGone = fmt.Errorf("%w: the spawner has died", errSpawnerUnavailable)

func spawnerUnavailable(why string) error {
	return fmt.Errorf("%w: %s", errSpawnerUnavailable, why)
}

// send hands a run to the spawner with the child's descriptors 0, 1 and 2;
// it returns the caller's ends of the run socket (the reply) and of the
// side socket (the "started" message), and s stays acquired until the
// run's release; or an error wrapping errSpawnerUnavailable.
func (s *spawnerConn) send(msg []byte, child [3]int) (run, side int, err error) {
	if !s.acquire() {
		return -1, -1, errSpawnerGone
	}
	var runPair, sidePair [2]int
	if runPair, err = unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0); err == nil {
		if sidePair, err = unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0); err != nil {
			closeFDs(runPair[:])
		}
	}
	if err != nil {
		s.release()
		return -1, -1, spawnerUnavailable("socketpair: " + err.Error())
	}
	oob := unix.UnixRights(child[0], child[1], child[2], runPair[1], sidePair[1])
	err = ignoringEINTR(func() error { return unix.Sendmsg(s.fd, msg, oob, nil, unix.MSG_NOSIGNAL) })
	closeFDs([]int{runPair[1], sidePair[1]})
	if err != nil {
		closeFDs([]int{runPair[0], sidePair[0]})
		s.release()
		if err == unix.EPIPE || err == unix.ECONNRESET || err == unix.ENOTCONN {
			s.retire("the spawner has died")
			return -1, -1, errSpawnerGone
		}
		return -1, -1, spawnerUnavailable("sendmsg: " + err.Error())
	}
	return runPair[0], sidePair[0], nil
}
