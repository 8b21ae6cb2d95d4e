package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/perfgate/adapters"
)

// measure runs b's warm-up runs and then its measured runs, reporting each
// measured run as it ends, and then its summary. It returns exitOK, or the
// exit status after a failure it has reported.
func (s *session) measure(ctx context.Context, b *benchmark) int {
	m := measurement{bench: b, started: time.Now()}
	for i := range s.o.warmup {
		label := fmt.Sprintf("warm-up run %d/%d", i+1, s.o.warmup)
		r, code := s.runOnce(ctx, b, label, nil)
		if code != exitOK {
			return code
		}
		if err := r.Err(b.spec.Argv); err != nil {
			s.errorf("%s: %v", s.where(b, label), err)
			return exitFailed // a warm-up run is never reported
		}
		m.warmups = append(m.warmups, r)
	}
	for i := range s.o.repeat {
		label := fmt.Sprintf("run %d/%d", i+1, s.o.repeat)
		r, code := s.runOnce(ctx, b, label, m.runs)
		if code != exitOK {
			return code
		}
		if err := s.reportRun(b, i, &r); err != nil {
			s.errorf("%v", err)
			return exitFailed
		}
		if err := r.Err(b.spec.Argv); err != nil {
			s.errorf("%s: %v", s.where(b, label), err)
			if i+1 < s.o.repeat || b.number < len(s.benches) {
				s.errorf("stopped after %s; no summary", s.where(b, label))
			}
			return exitFailed
		}
		m.runs = append(m.runs, r)
	}
	m.ended = time.Now()
	s.results = append(s.results, m)
	s.writeSummary(&m)
	return exitOK
}

// runOnce runs b once, showing progress while it runs. A status other
// than exitOK means the command did not run to its end; the failure has
// been reported.
func (s *session) runOnce(ctx context.Context, b *benchmark, label string, done []adapters.RunResult) (adapters.RunResult, int) {
	s.progress.show(s.progressLine(b, label, done))
	if err := s.rewindInput(); err != nil {
		s.errorf("%v", err)
		return adapters.RunResult{}, exitFailed
	}
	r, err := s.runner.Run(ctx, b.spec)
	s.progress.clear()
	if err != nil {
		return r, s.runFailure(ctx, s.where(b, label), err)
	}
	return r, exitOK
}

// where names a run for messages: "run 2/5", with the command's number
// when there are several.
func (s *session) where(b *benchmark, label string) string {
	if len(s.benches) > 1 {
		return fmt.Sprintf("command %d/%d (%s), %s", b.number, len(s.benches), b.label, label)
	}
	return label
}

// progressLine is the progress line shown while a run goes on: which run,
// and the current estimate of the mean wall time.
func (s *session) progressLine(b *benchmark, label string, done []adapters.RunResult) string {
	line := label
	if len(s.benches) > 1 {
		line = fmt.Sprintf("command %d/%d, %s", b.number, len(s.benches), label)
	}
	line += ": " + b.label
	if len(done) > 0 {
		st := statsOf(done, wallMs)
		unit := timeUnitFor(st.Mean)
		line += ", current estimate " + unit.format(st.Mean)
		if st.hasStdDev {
			line += " ± " + unit.format(st.StdDev)
		}
	}
	return line
}

// reportRun writes a measured run: a JSON line, a table, or one line.
func (s *session) reportRun(b *benchmark, i int, r *adapters.RunResult) error {
	if s.o.json {
		return writeRunJSONLine(s.stdout, runKeys{Name: b.label, Command: b.number, Run: i + 1}, r)
	}
	label := fmt.Sprintf("run %d/%d", i+1, s.o.repeat)
	if len(s.benches) > 1 {
		label = fmt.Sprintf("command %d/%d, %s", b.number, len(s.benches), label)
	}
	if s.o.verbose || s.o.repeat == 1 {
		s.startBlock()
		writeRunTable(s.stdout, runHeading(label, b.name, b.spec.Argv), r, s.rssNA(r))
		if s.o.showOutput {
			writeCapturedOutput(s.stdout, r)
		}
		return nil
	}
	if i == 0 {
		s.startBlock()
		heading := "command: "
		if len(s.benches) > 1 {
			heading = fmt.Sprintf("command %d/%d: ", b.number, len(s.benches))
		}
		fmt.Fprintln(s.stdout, heading+b.label)
	}
	writeRunLine(s.stdout, i+1, s.o.repeat, r, s.rssNA(r))
	return nil
}

// rssNA is how a missing peak memory figure of r is shown: "n/a", with
// the reason when it is known.
func (s *session) rssNA(r *adapters.RunResult) string {
	if r.MaxRSSKB != nil || s.o.tree {
		return notAvailable
	}
	if peak, ok := ownPeakKiB(); ok {
		return fmt.Sprintf("%s (below this process's own peak of %d KiB)", notAvailable, peak)
	}
	return notAvailable
}

// runFailure reports an error returned by Run and returns the exit status
// for it.
func (s *session) runFailure(ctx context.Context, where string, err error) int {
	switch {
	case ctx.Err() != nil:
		s.errorf("interrupted (%v) during %s, which is not reported: %v", context.Cause(ctx), where, err)
		return exitInterrupted
	case errors.Is(err, adapters.ErrInvalidSpec), errors.Is(err, adapters.ErrEmptyArgv):
		s.errorf("%v", err)
		return exitUsage
	default:
		s.errorf("%s: %v", where, err)
		return exitFailed
	}
}
