package spawner

import (
	"errors"
	"strconv"
	"time"

	"github.com/perfgate/adapters/internal/spawner/program"
)

// Reason says why a run was not handed to the spawner.
type Reason int

const (
	// ReasonCannotStart: no spawner could be started (Detail: why), and
	// none is tried again before a backoff has passed.
	ReasonCannotStart Reason = iota + 1
	// ReasonRestartLimit: the spawner has died (Detail: why) and
	// maxStarts spawners were started in the last startWindow.
	ReasonRestartLimit
	// ReasonStateChanged: the caller's inheritable state (Detail: which:
	// "umask", "credentials", "resource limits", "cgroup", or that it
	// could not be read) changed since the spawner started.
	ReasonStateChanged
	// ReasonNoWorkingDir: the caller's working directory cannot be read
	// (Detail: the error).
	ReasonNoWorkingDir
	// ReasonRequestTooLarge: the request is over maxRequest.
	ReasonRequestTooLarge
	// ReasonDied: the spawner was found dead at the hand-over, and so was
	// its replacement.
	ReasonDied
	// ReasonHandOver: the hand-over itself failed (Detail: the call and
	// its error).
	ReasonHandOver
	// ReasonStarting: the run's context was done, or its Timeout had
	// passed, while it waited for a spawner that was starting; the start
	// goes on, for the runs that come after.
	ReasonStarting
	// ReasonBusy: the spawner runs as many children as it can
	// (program.MaxRuns).
	ReasonBusy
	// ReasonSignalIgnored: the caller's SigIgn holds a signal nothing can
	// ignore (Detail: which): it cannot be read right.
	ReasonSignalIgnored
)

// FallbackError says that a run was not handed to the spawner and nothing
// ran: the caller spawns directly instead. Compare it with errors.As.
type FallbackError struct {
	Reason Reason
	Detail string
}

func fallback(reason Reason, detail string) *FallbackError {
	return &FallbackError{Reason: reason, Detail: detail}
}

// Why says why the run spawns directly, as a phrase for the run's notes.
func (e *FallbackError) Why() string {
	switch e.Reason {
	case ReasonCannotStart:
		return "the spawner could not be started: " + e.Detail
	case ReasonRestartLimit:
		return e.Detail + "; not restarted: " + strconv.Itoa(maxStarts) +
			" spawners were started in the last " + startWindow.String()
	case ReasonStateChanged:
		return "the caller's " + e.Detail + " changed since the spawner started"
	case ReasonNoWorkingDir:
		return "the working directory cannot be read: " + e.Detail
	case ReasonRequestTooLarge:
		return "the request (argv, environment) is over " + strconv.Itoa(program.MaxRequest>>10) + " KiB"
	case ReasonDied:
		return "the spawner has died"
	case ReasonStarting:
		return "the spawner was still starting at the run's deadline (its Timeout or context)"
	case ReasonBusy:
		return "the spawner already runs " + strconv.Itoa(program.MaxRuns) + " children"
	case ReasonSignalIgnored:
		return "the caller ignores " + e.Detail
	}
	return e.Detail
}

func (e *FallbackError) Error() string { return "spawner unavailable: " + e.Why() }

// errGone is send's error when the spawner was found dead: a new one may
// take the run.
var errGone = fallback(ReasonDied, "")

// ErrDied ends a run whose spawner died with the run in its hands.
var ErrDied = errors.New("the spawner process died during the run")

// The bounds of the spawner's restarts: at most maxStarts starts in any
// startWindow, and after a start whose launcher ran and failed none
// before a backoff that doubles from firstRetry up to lastRetry. A start
// that failed before any launcher ran counts toward neither.
const (
	maxStarts   = 5
	startWindow = time.Minute
	firstRetry  = 10 * time.Second
	lastRetry   = 10 * time.Minute
)
