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
	// Room for every record at once: growing the slice as runs come would
	// leave a trail of ever larger copies for the collector.
	m.runs = make([]runRecord, 0, min(s.o.repeat, maxRecordsUpFront))
	for i := range s.o.warmup {
		label := fmt.Sprintf("warm-up run %d/%d", i+1, s.o.warmup)
		r, code := s.runOnce(ctx, b, label, &m)
		if code != exitOK {
			return code
		}
		if err := r.Err(b.spec.Argv); err != nil {
			s.errorf("%s: %v", s.where(b, label), err)
			return exitFailed // a warm-up run is never reported
		}
		if s.keep.details {
			m.warmups = append(m.warmups, newRecord(&r, s.keep, s.runner.Spawner))
		}
		s.gc.betweenRuns()
	}
	for i := range s.o.repeat {
		label := fmt.Sprintf("run %d/%d", i+1, s.o.repeat)
		r, code := s.runOnce(ctx, b, label, &m)
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
		m.add(&r, s.keep, s.runner.Spawner)
		s.gc.betweenRuns()
	}
	m.ended = time.Now()
	s.results = append(s.results, m)
	s.writeSummary(&s.results[len(s.results)-1])
	return exitOK
}

// maxRecordsUpFront bounds the records allocated before the runs (about
// 170 bytes each), so that a huge -repeat does not take its memory at once.
const maxRecordsUpFront = 1 << 14

// add keeps the figures of a measured run (and what policy asks for).
func (m *measurement) add(r *adapters.RunResult, policy keepPolicy, viaSpawner bool) {
	m.runs = append(m.runs, newRecord(r, policy, viaSpawner))
	if r.MaxRSSKB == nil && r.MaxRSSAtMostKB == nil && r.Notes["max_rss_kb"] != "" {
		m.rssNote = r.Notes["max_rss_kb"]
	}
	m.wall.add(float64(r.Wall.Nanoseconds()) / 1e6)
}

// runOnce runs b once, showing progress while it runs. A status other
// than exitOK means the command did not run to its end; the failure has
// been reported.
func (s *session) runOnce(ctx context.Context, b *benchmark, label string, m *measurement) (adapters.RunResult, int) {
	if s.progress != nil {
		s.progress.show(s.progressLine(b, label, &m.wall))
	}
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
// and the current estimate of the mean wall time over the measured runs
// done.
func (s *session) progressLine(b *benchmark, label string, done *runningStats) string {
	line := label
	if len(s.benches) > 1 {
		line = fmt.Sprintf("command %d/%d, %s", b.number, len(s.benches), label)
	}
	line += ": " + b.label
	if done.n > 0 {
		unit := timeUnitFor(done.mean)
		line += ", current estimate " + unit.format(done.mean)
		if sd, ok := done.stdDev(); ok {
			line += " ± " + unit.format(sd)
		}
	}
	return line
}

// reportRun writes a measured run: a JSON line, a table, or one line.
func (s *session) reportRun(b *benchmark, i int, r *adapters.RunResult) error {
	if s.o.json {
		return writeRunJSONLine(s.stdout, runKeys{Name: b.label, Command: b.number, Run: i + 1, Parameters: paramMap(b.params)}, r)
	}
	label := fmt.Sprintf("run %d/%d", i+1, s.o.repeat)
	if len(s.benches) > 1 {
		label = fmt.Sprintf("command %d/%d, %s", b.number, len(s.benches), label)
	}
	if s.o.verbose || s.o.repeat == 1 {
		s.startBlock()
		writeRunTable(s.stdout, s.out.colour.command(runHeading(label, b.name, b.spec.Argv)), r, s.rssMissing(r, true))
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
		fmt.Fprintln(s.stdout, heading+s.out.colour.command(b.label))
		s.out.runUnit = timeUnitFor(float64(r.Wall.Nanoseconds()) / 1e6)
	}
	writeRunLine(s.stdout, i+1, s.o.repeat, r, s.rssMissing(r, false), s.out.runUnit)
	return nil
}

// rssMissing is how the peak memory of r shows when it has none: "≤ X"
// when the library withheld it but bounds it (MaxRSSAtMostKB), else
// "n/a". With why, the full table's form: the bound says what floor it
// is below, and an n/a gives the library's reason when there is one.
func (s *session) rssMissing(r *adapters.RunResult, why bool) string {
	if r.MaxRSSAtMostKB != nil {
		text := "≤ " + sizeString(*r.MaxRSSAtMostKB)
		if why {
			text += " (" + belowFloor(spawnedBySpawner(r, s.runner.Spawner)) + ")"
		}
		return text
	}
	if why && r.Notes["max_rss_kb"] != "" {
		return notAvailable + " (" + r.Notes["max_rss_kb"] + ")"
	}
	return notAvailable
}

// rssSummaryMissing is what the summary shows for peak memory when no
// run of m had one: the largest bound over the runs, once, with the floor
// it is below; else n/a with the library's latest reason.
func rssSummaryMissing(m *measurement) string {
	var bound *runRecord
	for i := range m.runs {
		v, ok := m.runs[i].get(figMaxRSSAtMostKB)
		if ok && (bound == nil || v > bound.values[figMaxRSSAtMostKB]) {
			bound = &m.runs[i]
		}
	}
	switch {
	case bound != nil:
		return "≤ " + sizeString(bound.values[figMaxRSSAtMostKB]) + " (" + belowFloor(bound.is(recViaSpawner)) + ")"
	case m.rssNote != "":
		return notAvailable + " (" + m.rssNote + ")"
	}
	return notAvailable
}

// belowFloor says what a withheld peak is below: the peak of the process
// that spawned the child, which the child inherits at exec on Linux.
func belowFloor(viaSpawner bool) string {
	if viaSpawner {
		return "below the spawner's floor"
	}
	return "below this process's floor"
}

// runFailure reports an error returned by Run and returns the exit status
// for it.
func (s *session) runFailure(ctx context.Context, where string, err error) int {
	switch {
	case ctx.Err() != nil:
		s.errorf("interrupted (%v) during %s, which is not reported: %v", context.Cause(ctx), where, err)
		return interruptedStatus(ctx)
	case errors.Is(err, adapters.ErrInvalidSpec), errors.Is(err, adapters.ErrEmptyArgv):
		s.errorf("%v", err)
		return exitUsage
	default:
		s.errorf("%s: %v", where, err)
		return startFailureStatus(err, s.o.cwd)
	}
}
