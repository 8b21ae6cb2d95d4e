package bench

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/perfgate/adapters"
)

// Options says how [Repeat] runs a command.
type Options struct {
	// Warmup is the number of runs before the measured ones, whose
	// figures fill caches rather than describe the command.
	Warmup int
	// Runs is the number of measured runs; at least 1.
	Runs int
	// IgnoreFailure keeps going after a run that exited non-zero or was
	// ended by a signal, and keeps it, as hyperfine's -i does. A time-out
	// still stops the series: its wall time is the deadline, not the
	// command's, and each further one would cost a whole time-out.
	IgnoreFailure bool
	// Before, when set, is called before each run (hyperfine's
	// -prepare); its time is not measured. An error stops the series.
	Before func(ctx context.Context, step Step) error
	// After, when set, is called after each run that is kept (a failed
	// one too, before its failure stops the series), before the next
	// starts: to report it, or to trim what is kept of it (setting
	// r.Stdout to nil saves the captured output's memory). An error stops
	// the series; ErrStop stops it with no error (a time budget, say),
	// but for a run whose failure stops the series anyway: its error is
	// still returned, so that ErrStop never hides a failure.
	After func(ctx context.Context, step Step, r *adapters.RunResult) error
	// Discard keeps no run in the returned Series: its Warmups and Runs
	// stay nil, and each run is seen by After alone, which keeps what it
	// needs of it (a few figures, say). A caller of a million runs then
	// holds its own records rather than a million whole results, output
	// and notes included.
	Discard bool
}

// Step identifies one run of a series.
type Step struct {
	Warmup bool // a warm-up run, not measured
	Index  int  // from 0, counted separately for warm-ups and measured runs
	Of     int  // the number of runs of its kind asked for
}

// String is "warm-up run 2/3" or "run 5/10".
func (s Step) String() string {
	kind := "run"
	if s.Warmup {
		kind = "warm-up run"
	}
	return fmt.Sprintf("%s %d/%d", kind, s.Index+1, s.Of)
}

// ErrStop, returned (or wrapped) by Options.Before or Options.After, ends
// a series early with no error, unless the run just made failed in a way
// that stops the series (then that failure is the error). A runner's
// error that wraps ErrStop is an error like any other.
var ErrStop = errors.New("bench: stop")

// Series is what [Repeat] ran: the runs it kept, in order, and when.
type Series struct {
	Spec    adapters.CommandSpec
	Warmups []adapters.RunResult
	Runs    []adapters.RunResult
	// Started is taken just before the first run (or its Before), Ended
	// just after the last; a receipt's started_at and ended_at.
	Started, Ended time.Time
	// WorkUnits is how many units of work (requests, rows, files) each
	// run does, 0 when not counted: set it before [NewReceipt] to give the
	// receipt perfgate's work_units and throughput_per_s.
	WorkUnits uint64
}

// RunError says which run stopped a series, and why.
type RunError struct {
	Step Step
	// Err is the runner's error (the run is not kept: nothing was
	// measured, or the context ended during it), the run's own
	// [adapters.RunResult.Err] (ErrTimeout, ErrNonZeroExit; the run is
	// kept), or the error of Options.Before or Options.After.
	Err error
}

func (e *RunError) Error() string { return e.Step.String() + ": " + e.Err.Error() }

// Unwrap lets errors.Is find adapters.ErrTimeout, adapters.ErrNonZeroExit,
// context.Canceled and the hooks' errors.
func (e *RunError) Unwrap() error { return e.Err }

// Repeat runs spec opts.Warmup times and then opts.Runs times through
// runner, one run at a time, and returns what ran. A run that fails stops
// the series, unless opts.IgnoreFailure covers it: Repeat then returns
// the runs so far (the failed one included when it ran to its end) and a
// *RunError. When ctx ends, the run in flight is killed by the runner and
// not kept; the error is then a *RunError wrapping the runner's
// *adapters.AdapterError, of kind KindKilled when a run was killed and
// KindRunCommand when the next run was not started (ctx ended between
// runs, or before the first), each wrapping ctx.Err(): errors.Is(err,
// context.Canceled) holds either way. Bad options are an error before
// anything runs.
func Repeat(ctx context.Context, runner adapters.ProcessRunner, spec adapters.CommandSpec, opts Options) (Series, error) {
	if opts.Runs < 1 || opts.Warmup < 0 {
		return Series{}, fmt.Errorf("bench: Repeat needs Runs >= 1 and Warmup >= 0, got Runs %d, Warmup %d", opts.Runs, opts.Warmup)
	}
	if runner == nil {
		return Series{}, errors.New("bench: Repeat needs a runner")
	}
	s := Series{Spec: spec, Started: time.Now()}
	stop, err := s.phase(ctx, runner, opts, Step{Warmup: true, Of: opts.Warmup}, &s.Warmups)
	if err == nil && !stop {
		_, err = s.phase(ctx, runner, opts, Step{Of: opts.Runs}, &s.Runs)
	}
	s.Ended = time.Now()
	return s, err
}

// phase runs step.Of runs of one kind, appending those kept to kept. stop
// says that a hook returned ErrStop, and so that the series ends with err
// nil: only a hook's ErrStop stops it so, never a runner's error that
// wraps ErrStop, and never after a failed run that stops the series.
func (s *Series) phase(ctx context.Context, runner adapters.ProcessRunner, opts Options, step Step, kept *[]adapters.RunResult) (stop bool, err error) {
	for step.Index = 0; step.Index < step.Of; step.Index++ {
		if err := ctx.Err(); err != nil {
			// The shape a runner gives a run it did not start.
			return false, &RunError{step, &adapters.AdapterError{Kind: adapters.KindRunCommand,
				Command: strings.Join(s.Spec.Argv, " "), Reason: "not started", Err: err}}
		}
		if opts.Before != nil {
			if err := opts.Before(ctx, step); err != nil {
				if errors.Is(err, ErrStop) {
					return true, nil
				}
				return false, &RunError{step, err}
			}
		}
		r, err := runner.Run(ctx, s.Spec)
		if err != nil {
			return false, &RunError{step, err}
		}
		seen := &r
		if !opts.Discard {
			*kept = append(*kept, r)
			seen = &(*kept)[len(*kept)-1]
		}
		failure := r.Err()
		stops := failure != nil && (r.TimedOut || !opts.IgnoreFailure)
		if opts.After != nil {
			if err := opts.After(ctx, step, seen); err != nil {
				switch {
				case !errors.Is(err, ErrStop):
					return false, &RunError{step, err}
				case !stops:
					return true, nil
				}
				// ErrStop after a failure that stops the series: the
				// failure is the error.
			}
		}
		if stops {
			return false, &RunError{step, failure}
		}
	}
	return false, nil
}
