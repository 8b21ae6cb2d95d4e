//go:build linux

package adapters

// A run handed to the spawner, on the caller's side: one ppoll loop over
// the two output pipes and the run socket, which brings the reply. The
// "started" message (the child's pid and pidfd) waits on a side socket
// that the caller reads only when it must kill the run itself, so that a
// normal run costs no extra wake-up. With that pidfd the caller holds the
// deadline and the context itself, so that a stopped, hung or dead
// spawner cannot keep a run from ending on time, nor leave any of it
// alive.

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

const (
	// spawnerDeadlineSlack puts the caller's own deadline kill after the
	// spawner's, which normally comes first and is the one measured.
	spawnerDeadlineSlack = 100 * time.Millisecond
	// minSpawnerReplyWait bounds the wait for the reply after the
	// caller's own kill (or the pipe grace, if longer): a spawner that
	// has not replied by then is taken for hung, and killed.
	minSpawnerReplyWait = time.Second
	deadlineRequest     = 't'
)

// errStartFailed stops the output loop when the spawner could not start
// the program; the caller reports the spawner's errno.
var errStartFailed = errors.New("start failed")

// errSpawnerDied ends a run whose spawner died with the run in its hands.
var errSpawnerDied = errors.New("the spawner process died during the run")

// spawnerRun is a run handed to the spawner.
type spawnerRun struct {
	s    *spawnerConn
	sock int // the run socket: the reply
	// side is the side socket, where the "started" message waits.
	side      int
	replyWait time.Duration

	mu         sync.Mutex
	pid, pidfd int  // from the "started" message; -1 until then
	killed     bool // the caller's own kill has fired
	killedAt   time.Time
	gaveUp     bool // no reply came within replyWait of that kill
	done       bool // the run is over: timers must not touch sock
	giveUp     *time.Timer
}

// startAndWaitViaSpawner is startAndWait for a run handed to the spawner.
// It returns an error wrapping errSpawnerUnavailable, with the streams
// untouched, when the run could not be handed over; nothing ran then.
func startAndWaitViaSpawner(ctx context.Context, s *spawnerConn, p *runPlan, streams *rawStdio) (exitRecord, error) {
	dir, err := childDir(p.spec.Cwd)
	if err != nil {
		return exitRecord{}, spawnerUnavailable("the working directory cannot be read: " + err.Error())
	}
	q := spawnRequest{path: p.path, dir: dir, argv: p.spec.Argv, env: p.env, timeout: p.spec.Timeout}
	var rec exitRecord
	rec.start = time.Now()
	r, err := handOver(s, &q, streams.child)
	if err != nil {
		return exitRecord{}, err
	}
	defer r.finish()
	streams.closeChildEnds() // the spawner holds its own copies now
	r.replyWait = max(p.grace, minSpawnerReplyWait)
	var deadline time.Duration
	if p.spec.Timeout > 0 {
		deadline = p.spec.Timeout + spawnerDeadlineSlack
	}
	killSwitch := armKillSwitch(ctx, rec.start, deadline, func() { r.kill(ctx) })

	var reply spawnReply
	replied := false
	exited, waitErr := pumpOutput(streams, r.sock, p, func() (bool, error) { return r.onMessage(&reply, &replied) })
	cause := killSwitch.markExited()
	switch {
	case waitErr == errStartFailed:
		return exitRecord{}, startError(p.spec, p.path, syscall.Errno(reply.errno))
	case r.hasGivenUp() && !replied: // a reply that came all the same is used
		return r.abandoned(rec.start, cause), nil
	case waitErr != nil || !exited:
		if waitErr == nil {
			waitErr = errSpawnerDied
		}
		r.killLeftovers()
		return exitRecord{}, waitError(p.spec, waitErr)
	}
	rec.end = rec.start.Add(reply.wall)
	rec.setSpawnReply(&reply)
	if rec.cause == notKilled {
		rec.cause = cause // the caller's kill came first
	}
	return rec, nil
}

// handOver checks that the spawner still has the caller's state and sends
// it the run, restarting it once should it be found dead.
func handOver(s *spawnerConn, q *spawnRequest, child [3]int) (*spawnerRun, error) {
	msg := q.encode()
	if len(msg) > maxSpawnRequest {
		return nil, spawnerUnavailable("the request (argv, environment) is over " + strconv.Itoa(maxSpawnRequest>>10) + " KiB")
	}
	for attempt := 0; ; attempt++ {
		if what := s.state.changedSince(); what != "" {
			why := "the caller's " + what + " changed since the spawner started"
			s.retire(why)
			return nil, spawnerUnavailable(why)
		}
		sock, side, err := s.send(msg, child)
		if err == nil {
			return &spawnerRun{s: s, sock: sock, side: side, pid: -1, pidfd: -1}, nil
		}
		if err != errSpawnerGone || attempt > 0 {
			return nil, err
		}
		var why string
		if s, why = theSpawner(); s == nil {
			return nil, spawnerUnavailable(why)
		}
	}
}

// onMessage reads the reply from the run socket once it is readable, or
// its end of file (the spawner died, or the caller gave up on it). It is
// pumpOutput's onExit.
func (r *spawnerRun) onMessage(reply *spawnReply, replied *bool) (bool, error) {
	var buf [256]byte
	n, err := unix.Read(r.sock, buf[:])
	if err == unix.EINTR || err == unix.EAGAIN {
		return false, nil
	}
	if err == nil && n > 0 {
		*reply, err = decodeSpawnReply(buf[:n])
	} else if err == nil {
		err = errSpawnerDied // end of file
	}
	*replied = err == nil
	switch {
	case err == nil && reply.errno != 0:
		return true, errStartFailed
	case err == nil:
		return true, nil
	case r.hasGivenUp():
		return true, nil // the output still gets its grace
	}
	r.s.retire("the spawner has died")
	return false, errSpawnerDied
}

// fetchStarted reads the "started" message from the side socket, when
// the child is not known yet and the spawner has sent it. Called with r.mu
// held.
func (r *spawnerRun) fetchStarted() {
	if r.pidfd >= 0 {
		return
	}
	var buf [64]byte
	oob := make([]byte, unix.CmsgSpace(4))
	n, oobn, _, _, err := unix.Recvmsg(r.side, buf[:], oob, unix.MSG_CMSG_CLOEXEC|unix.MSG_DONTWAIT)
	if err != nil {
		return // not sent (yet): the spawner has not started the child
	}
	fds := receivedFDs(oob[:oobn])
	pid, err := decodeSpawnStarted(buf[:n])
	if err != nil || len(fds) != 1 {
		closeFDs(fds)
		return
	}
	r.pid, r.pidfd = pid, fds[0]
}

// kill is the caller's own kill, at its deadline (after the spawner's) or
// when ctx is done: it asks the spawner, kills the child itself when it
// knows it, and gives the spawner replyWait to reply.
func (r *spawnerRun) kill(ctx context.Context) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.done || r.killed {
		return
	}
	r.killed, r.killedAt = true, time.Now()
	request := byte(deadlineRequest)
	if ctx.Err() != nil {
		request = killRequest
	}
	_, _ = unix.SendmsgN(r.sock, []byte{request}, nil, nil, unix.MSG_NOSIGNAL|unix.MSG_DONTWAIT)
	r.fetchStarted()
	r.killChild()
	r.giveUp = time.AfterFunc(r.replyWait, r.giveUpNow)
}

// killChild kills the child through its pidfd, and its group while the
// child is unreaped: pidfd_send_signal succeeds only then, and the group
// id, the child's pid, cannot be reused before. Called with r.mu held.
func (r *spawnerRun) killChild() {
	if r.pidfd >= 0 && unix.PidfdSendSignal(r.pidfd, unix.SIGKILL, nil, 0) == nil {
		killGroup(r.pid)
	}
}

// giveUpNow ends the wait for a reply that has not come: the spawner is
// taken for hung and killed, and shutting down the caller's end of the
// run socket wakes the output loop with end of file.
func (r *spawnerRun) giveUpNow() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.done {
		return
	}
	r.gaveUp = true
	r.fetchStarted()
	r.killChild()
	r.s.kill("the spawner did not reply within " + r.replyWait.String() + " of a kill")
	_ = unix.Shutdown(r.sock, unix.SHUT_RDWR)
}

func (r *spawnerRun) hasGivenUp() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.gaveUp
}

// killLeftovers kills what is left of a run whose spawner died: its child
// died with it (PR_SET_PDEATHSIG), but not the rest of its group. The
// group id stays taken while any member lives, so the kill reaches only
// the run's leftovers.
func (r *spawnerRun) killLeftovers() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fetchStarted()
	if r.pidfd >= 0 {
		_ = unix.PidfdSendSignal(r.pidfd, unix.SIGKILL, nil, 0)
		killGroup(r.pid)
	}
}

// abandoned is the record of a run whose spawner never replied after the
// caller's kill: the caller's own clock, no exit status, no figures.
func (r *spawnerRun) abandoned(start time.Time, cause killCause) exitRecord {
	rec := exitRecord{start: start, end: r.killedAt, exitCode: -1, cause: cause, killEndedIt: true}
	rec.spawnerNote = "the spawner did not reply within " + r.replyWait.String() +
		" of the run's kill, so the caller killed the child and the spawner itself: " +
		"wall time is the caller's, from the hand-over to that kill; the exit status and resource figures are unknown"
	if r.pidfd < 0 {
		rec.spawnerNote += "; the spawner had not reported starting the child"
	}
	return rec
}

// finish ends the run: no timer may touch the run socket after this.
func (r *spawnerRun) finish() {
	r.mu.Lock()
	r.done = true
	if r.giveUp != nil {
		r.giveUp.Stop()
	}
	if r.pidfd >= 0 {
		unix.Close(r.pidfd)
	}
	unix.Close(r.sock)
	unix.Close(r.side)
	r.mu.Unlock()
	r.s.release()
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
