//go:build linux

package spawner

// A run handed to the spawner, on the caller's side: the caller's one
// ppoll loop watches the output pipes and the run socket (Run.ExitFD),
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
	"github.com/perfgate/adapters/internal/spawner/program"
	"github.com/perfgate/adapters/internal/sysproc"
)

// minReplyWait bounds the wait for the reply after the caller's own kill
// (or the pipe grace, if longer): a spawner that has not replied by then
// is taken for hung, and killed.
const minReplyWait = time.Second

// errStartFailed stops the output loop when the spawner could not start
// the program; Run returns a *StartError then.
var errStartFailed = errors.New("start failed")

// errNoReply is the error of a run whose socket ended without a reply
// while the spawner itself lives on.
var errNoReply = errors.New("spawner: the run ended without a reply")

// StartError is the error of a run whose program the spawner could not
// start: its exec failed (or its chdir), as a direct start's would, or in
// the rare case a step the spawner takes for every child (setpgid, dup,
// the limits, clone itself) failed, as Go's own start fails then; Stage
// says which.
type StartError struct {
	Errno syscall.Errno
	Stage program.Stage
}

func (e *StartError) Error() string {
	if e.Stage == program.StageExec || e.Stage == program.StageChdir {
		return e.Errno.Error() // as a direct start says it
	}
	return "spawner: " + e.Stage.String() + ": " + e.Errno.Error()
}
func (e *StartError) Unwrap() error { return e.Errno }

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

// Run is a run handed to the spawner, as the caller's output loop sees it:
// ExitFD, the run socket, becomes readable when the reply comes, and
// OnExitFD reads it; Finish ends the run and gives its Outcome.
type Run struct {
	r       *run
	start   time.Time
	sw      *killswitch.Switch
	reply   program.Reply
	replied bool
}

// Start hands req to the process's spawner, starting one when needed,
// with child as the child's descriptors 0, 1 and 2, of which the spawner
// holds its own copies once Start returns. It returns a *FallbackError
// when the run could not be handed over: nothing ran then, and the
// descriptors are as they were. grace is the caller's pipe grace, which
// the wait for a reply after a kill is never shorter than.
func Start(ctx context.Context, req *Request, child [3]int, grace time.Duration) (*Run, error) {
	s, fb := get(ctx, req.Timeout)
	if fb != nil {
		return nil, fb
	}
	q := *req
	var err error
	if q.Dir, err = childDir(req.Dir); err != nil {
		return nil, fallback(ReasonNoWorkingDir, err.Error())
	}
	h := &Run{start: time.Now()}
	if h.r, err = handOver(ctx, s, &q, child); err != nil {
		return nil, err
	}
	h.r.replyWait = max(grace, minReplyWait)
	// The context here, the deadline in the run: measured from the
	// child's start, which may come later than the hand-over.
	h.sw = killswitch.Arm(ctx, h.start, 0, h.r.kill)
	h.r.armDeadline(h.start, q.Timeout, h.sw)
	return h, nil
}

// ExitFD is the descriptor that becomes readable when the run's reply
// comes (or its socket ends).
func (h *Run) ExitFD() int { return h.r.sock }

// OnExitFD reads the reply once ExitFD is readable; exited says the run
// is over. An error ends the wait: Finish then says what it means.
func (h *Run) OnExitFD() (exited bool, err error) { return h.r.onMessage(&h.reply, &h.replied) }

// Finish ends the run once the output loop is over: exited and waitErr
// are what the loop returned. It returns the Outcome; a *StartError when
// the spawner could not start the program; any other error when the run
// failed (ErrDied: the spawner died).
func (h *Run) Finish(exited bool, waitErr error) (Outcome, error) {
	r := h.r
	defer r.finish()
	cause := h.sw.MarkExited()
	p := &h.reply
	switch {
	case waitErr == errStartFailed:
		return Outcome{}, &StartError{Errno: syscall.Errno(p.Errno), Stage: p.Stage}
	case r.hasGivenUp() && !h.replied: // a reply that came all the same is used
		return r.abandoned(h.start, cause), nil
	case waitErr != nil || !exited:
		if waitErr == nil {
			waitErr = ErrDied
		}
		r.killLeftovers()
		return Outcome{}, waitErr
	}
	return Outcome{Start: h.start, End: h.start.Add(p.Wall), Status: syscall.WaitStatus(p.Status),
		Cause: cause, Usage: p.Usage, FloorKiB: r.s.FloorKiB()}, nil
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
		msg, err := q.encode(ignored)
		if err != nil {
			return nil, err
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
// Run.OnExitFD. A read error is never taken for the spawner's death
// by itself: ECONNRESET (the spawner closed the socket with a kill request
// of ours unread) comes once, before the reply still queued, so the
// socket is read again; only a spawner whose own process is gone is
// retired (ErrDied).
func (r *run) onMessage(p *program.Reply, replied *bool) (bool, error) {
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
		*p, err = program.DecodeReply(buf[:n])
	} else if err == nil {
		err = errNoReply // end of file
	}
	*replied = err == nil
	switch {
	case err == nil && !p.Exited:
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
