//go:build linux

package spawner

// A run handed to the spawner, on the caller's side: the caller's one
// ppoll loop (Streams.Pump) watches the output pipes and the run socket,
// which brings the reply. The "started" message (the child's pid and
// pidfd) waits on a side socket that the caller reads only when it must
// kill the run itself, so that a normal run costs no extra wake-up. With
// that pidfd the caller holds the deadline and the context itself, so
// that a stopped, hung or dead spawner cannot keep a run from ending on
// time, nor leave any of it alive.

import (
	"context"
	"errors"
	"fmt"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/perfgate/adapters/internal/killswitch"
	"github.com/perfgate/adapters/internal/sysproc"
)

const (
	// deadlineSlack puts the caller's own deadline kill after the
	// spawner's, which normally comes first and is the one measured.
	deadlineSlack = 100 * time.Millisecond
	// minReplyWait bounds the wait for the reply after the caller's own
	// kill (or the pipe grace, if longer): a spawner that has not replied
	// by then is taken for hung, and killed.
	minReplyWait = time.Second
)

// errStartFailed stops the output loop when the spawner could not start
// the program; Run returns a *StartError then.
var errStartFailed = errors.New("start failed")

// errNoReply is the error of a run whose socket ended without a reply
// while the spawner itself lives on.
var errNoReply = errors.New("spawner: the run ended without a reply")

// StartError is the error of a run whose program the spawner could not
// start (exec failed): the run happened, and failed as a direct start
// would.
type StartError struct{ Errno syscall.Errno }

func (e *StartError) Error() string { return e.Errno.Error() }
func (e *StartError) Unwrap() error { return e.Errno }

// Streams is the caller's side of the child's standard streams.
type Streams struct {
	// Child is the child's descriptors 0, 1 and 2.
	Child [3]int
	// Handed is called once the spawner holds its own copies of Child,
	// so that the caller can close its copies of the pipes' write ends.
	Handed func()
	// Pump is the caller's output loop: it reads the output until exitFD
	// is readable, then calls onExit until that reports the exit, then
	// drains the output within Grace; it says whether onExit reported the
	// exit.
	Pump func(exitFD int, onExit func() (exited bool, err error)) (exited bool, err error)
	// Grace is the caller's pipe grace.
	Grace time.Duration
}

// Outcome is what the spawner saw of a run, or what the caller saw of a
// run whose spawner never replied.
type Outcome struct {
	// Start is taken by the caller just before the hand-over; End is
	// Start plus the wall time the spawner measured, from its spawn to
	// the exit.
	Start, End time.Time
	Status     syscall.WaitStatus
	// Cause says whether the deadline or the context killed the run.
	Cause killswitch.Cause
	Usage sysproc.Usage
	// FloorKiB is the most of the child's peak it can have inherited
	// from the spawner (peak.Reading.FloorKiB).
	FloorKiB uint64
	// Abandoned says the spawner never replied after the run's kill:
	// End is the caller's kill, Status, Usage and FloorKiB are unknown,
	// and Note explains it.
	Abandoned bool
	Note      string
}

// Run hands req to the process's spawner, starting one when needed, and
// waits for the run with streams. It returns a *FallbackError, with the
// streams untouched, when the run could not be handed over (nothing ran
// then), a *StartError when the spawner could not start the program, and
// any other error when the run failed (ErrDied: the spawner died).
func Run(ctx context.Context, req *Request, streams Streams) (Outcome, error) {
	s, fb := get(ctx, req.Timeout)
	if fb != nil {
		return Outcome{}, fb
	}
	q := *req
	var err error
	if q.Dir, err = childDir(req.Dir); err != nil {
		return Outcome{}, fallback(ReasonNoWorkingDir, err.Error())
	}
	out := Outcome{Start: time.Now()}
	r, err := handOver(ctx, s, &q, streams.Child)
	if err != nil {
		return Outcome{}, err
	}
	defer r.finish()
	streams.Handed() // the spawner holds its own copies now
	r.replyWait = max(streams.Grace, minReplyWait)
	// The context here, the deadline in the run: measured from the
	// child's start, which may come later than the hand-over.
	killSwitch := killswitch.Arm(ctx, out.Start, 0, func() { r.kill(ctx) })
	r.armDeadline(out.Start, q.Timeout, killSwitch)

	var p reply
	replied := false
	exited, waitErr := streams.Pump(r.sock, func() (bool, error) { return r.onMessage(&p, &replied) })
	cause := killSwitch.MarkExited()
	switch {
	case waitErr == errStartFailed:
		return Outcome{}, &StartError{Errno: syscall.Errno(p.errno)}
	case r.hasGivenUp() && !replied: // a reply that came all the same is used
		return r.abandoned(out.Start, cause), nil
	case waitErr != nil || !exited:
		if waitErr == nil {
			waitErr = ErrDied
		}
		r.killLeftovers()
		return Outcome{}, waitErr
	}
	out.End = out.Start.Add(p.wall)
	out.Status, out.Cause, out.Usage, out.FloorKiB = syscall.WaitStatus(p.status), p.cause, p.usage, p.floorKiB
	if out.Cause == killswitch.NotKilled {
		out.Cause = cause // the caller's kill came first
	}
	return out, nil
}

// handOver checks that the spawner still has the caller's state and sends
// it the run with the signals the caller ignores now, restarting it once
// should it be found dead.
func handOver(ctx context.Context, s *Conn, q *Request, child [3]int) (*run, error) {
	for attempt := 0; ; attempt++ {
		what, ignored := s.state.changedSince()
		if what != "" {
			fb := fallback(ReasonStateChanged, what)
			s.retire(fb.Why())
			return nil, fb
		}
		if ignored&^ignorable != 0 {
			return nil, fallback(ReasonSignalIgnored, unignorableWhy(ignored))
		}
		q.Ignored = ignored
		msg := q.encode()
		if len(msg) > maxRequest {
			return nil, fallback(ReasonRequestTooLarge, "")
		}
		sock, side, err := s.send(msg, child)
		if err == nil {
			return &run{s: s, sock: sock, side: side, pid: -1, pidfd: -1}, nil
		}
		if !errors.Is(err, errGone) || attempt > 0 {
			return nil, err
		}
		var fb *FallbackError
		if s, fb = get(ctx, q.Timeout); fb != nil {
			return nil, fb
		}
	}
}

// onMessage reads the reply from the run socket once it is readable, or
// its end of file (the spawner died, or the caller gave up on it). It is
// the Pump's onExit. A read error is never taken for the spawner's death
// by itself: ECONNRESET (the spawner closed the socket with a kill request
// of ours unread) comes once, before the reply still queued, so the
// socket is read again; only a spawner whose own process is gone is
// retired (ErrDied).
func (r *run) onMessage(p *reply, replied *bool) (bool, error) {
	var buf [256]byte
	n, err := unix.Read(r.sock, buf[:])
	if err == unix.EINTR || err == unix.EAGAIN {
		return false, nil
	}
	for tries := 0; err != nil && err != unix.EAGAIN && tries < 3; tries++ {
		n, _, err = unix.Recvfrom(r.sock, buf[:], unix.MSG_DONTWAIT)
	}
	if err == unix.EAGAIN {
		return false, nil // no reply yet: the socket shows readable when it comes
	}
	if err == nil && n > 0 {
		*p, err = decodeReply(buf[:n])
	} else if err == nil {
		err = errNoReply // end of file
	}
	*replied = err == nil
	switch {
	case err == nil && p.errno != 0:
		return true, errStartFailed
	case err == nil:
		return true, nil
	case r.hasGivenUp():
		return true, nil // the output still gets its grace
	}
	if r.s.gone(r.replyWait) {
		r.s.retire("the spawner has died")
		return false, ErrDied
	}
	if err != errNoReply {
		err = fmt.Errorf("%w: %w", errNoReply, err)
	}
	return false, err
}
