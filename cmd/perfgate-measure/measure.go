package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/perfgate/adapters"
	"github.com/perfgate/adapters/bench"
)

// measure runs b's -setup, its warm-up runs and then its measured runs
// (each between its -prepare and -conclude), reporting each measured run
// as it ends, then its -cleanup and its summary. It returns exitOK, or the
// exit status after a failure it has reported.
func (s *session) measure(ctx context.Context, b *benchmark) int {
	m := measurement{bench: b, started: time.Now()}
	// Room for every record at once: growing the slice as runs come would
	// leave a trail of ever larger copies for the collector.
	m.runs = make([]runRecord, 0, min(s.o.runsAtLeast(), maxRecordsUpFront))
	if _, code := s.runHook(ctx, b, "setup", s.o.run.setup, ""); code != exitOK {
		return code
	}
	code := s.repeat(ctx, b, &m)
	m.ended = time.Now()
	if ctx.Err() == nil {
		// As a finally: the -cleanup of a -setup that ran, even after a
		// failure (hyperfine skips it then), but not once interrupted.
		if _, c := s.runHook(ctx, b, "cleanup", s.o.run.cleanup, ""); code == exitOK {
			code = c
		}
	}
	if code != exitOK {
		return code
	}
	s.results = append(s.results, m)
	s.writeSummary(&s.results[len(s.results)-1])
	s.warnIgnored(&m)
	return exitOK
}

// repeat makes b's warm-up runs and then its measured runs through
// bench.Repeat, each between its -prepare and its -conclude (runLoop's
// hooks), and keeps a record of each (record.go), never bench's whole
// results: -runs n of them, or with an automatic count as many as the
// first run's time says (runCount). It returns exitOK, or the exit status
// after a failure it has reported.
func (s *session) repeat(ctx context.Context, b *benchmark, m *measurement) int {
	l := &runLoop{s: s, b: b, m: m, total: s.o.repeat}
	runs := s.o.repeat
	if s.o.run.auto {
		// Known after the first run: until then as many as may be, and
		// the hook after the last one stops the series (bench.ErrStop).
		l.total, runs = 0, maxCount
	}
	_, err := bench.Repeat(ctx, s.exec, b.spec, bench.Options{
		Warmup: s.o.warmup, Runs: runs, Discard: true,
		// Every failure reaches after, which stops the series unless -i
		// (all, or -i=1,2's statuses) ignores it.
		IgnoreFailure: true,
		Before:        l.before,
		After:         l.after,
	})
	return l.outcome(ctx, err)
}

// runLoop is the state of one benchmark's series across bench.Repeat's
// hooks.
type runLoop struct {
	s *session
	b *benchmark
	m *measurement
	// total is the number of measured runs; 0 until the first run's time
	// settles an automatic count.
	total      int
	warm, meas pace          // the time per run so far, for the ETA
	now        progressState // the run under way
	prep       time.Duration // how long its -prepare took
}

// stopped is the error runLoop's hooks return after reporting a
// failure: the series ends, and the command exits with code.
type stopped struct{ code int }

func (e *stopped) Error() string { return "stopped with exit status " + strconv.Itoa(e.code) }

// state is what the progress line shows about step.
func (l *runLoop) state(step bench.Step) progressState {
	if step.Warmup {
		return progressState{head: step.String(), label: l.b.label, done: step.Index, total: step.Of,
			perRun: l.warm.mean()}
	}
	return progressState{head: runLabel(step.Index, l.total), label: l.b.label, done: step.Index,
		total: l.total, estimate: estimateOf(&l.m.wall), perRun: l.meas.mean()}
}

// before runs step's -prepare, rewinds -input and shows the progress line.
func (l *runLoop) before(ctx context.Context, step bench.Step) error {
	s := l.s
	l.now = l.state(step)
	prep, code := s.runHook(ctx, l.b, "prepare", hookFor(s.o.run.prepare, l.b.command), l.now.head)
	if code != exitOK {
		return &stopped{code}
	}
	l.prep = prep
	shown := l.now
	if len(s.benches) > 1 {
		shown.head = fmt.Sprintf("command %d/%d, %s", l.b.number, len(s.benches), shown.head)
	}
	s.progress.start(shown)
	if err := s.rewindInput(); err != nil {
		s.errorf("%v", err)
		return &stopped{exitFailed}
	}
	return nil
}

// after clears the progress line, runs step's -conclude and takes in r.
func (l *runLoop) after(ctx context.Context, step bench.Step, r *adapters.RunResult) error {
	s := l.s
	s.progress.clear()
	concl, code := s.runHook(ctx, l.b, "conclude", hookFor(s.o.run.conclude, l.b.command), l.now.head)
	if code != exitOK {
		return &stopped{code}
	}
	took := l.prep + r.Wall + concl
	if step.Warmup {
		return l.warmedUp(took, r)
	}
	return l.measured(step.Index, took, r)
}

// warmedUp takes in a warm-up run, which is never reported: it stops the
// series when it failed and -i does not ignore it.
func (l *runLoop) warmedUp(took time.Duration, r *adapters.RunResult) error {
	s, m := l.s, l.m
	if err := r.Err(); err != nil && !s.o.run.ignore.ignores(r) {
		s.errorf("%s: %v%s%s", s.where(l.b, l.now.head), err, s.notIgnored(r), s.failureHints(r))
		return &stopped{exitFailed}
	}
	l.warm.add(took)
	if s.keep.details {
		m.warmups = append(m.warmups, newRecord(r, s.keep, !s.runner.Direct))
		if err := s.spill.spillOutput(&m.warmups[len(m.warmups)-1]); err != nil {
			s.errorf("%v", err)
			return &stopped{exitFailed}
		}
	}
	s.gc.betweenRuns()
	return nil
}

// measured takes in measured run i: it settles an automatic count after
// the first, reports the run and keeps its record. It stops the series
// after the last run (bench.ErrStop), or when the run failed and -i does
// not ignore it.
func (l *runLoop) measured(i int, took time.Duration, r *adapters.RunResult) error {
	s, b, m := l.s, l.b, l.m
	l.meas.add(took)
	if l.total == 0 {
		l.total = s.o.run.runCount(took)
	}
	if err := s.reportRun(b, i, l.total, r); err != nil {
		s.errorf("%v", err)
		return &stopped{exitFailed}
	}
	if err := r.Err(); err != nil {
		if !s.o.run.ignore.ignores(r) {
			label := runLabel(i, l.total)
			s.errorf("%s: %v%s%s", s.where(b, label), err, s.notIgnored(r), s.failureHints(r))
			if i+1 < l.total || b.number < len(s.benches) {
				s.errorf("stopped after %s; no summary", s.where(b, label))
			}
			return &stopped{exitFailed}
		}
		m.failed++
	}
	m.add(r, s.keep, !s.runner.Direct)
	if err := s.spill.spillOutput(&m.runs[len(m.runs)-1]); err != nil {
		s.errorf("%v", err)
		return &stopped{exitFailed}
	}
	s.gc.betweenRuns()
	if i+1 >= l.total {
		return bench.ErrStop
	}
	return nil
}

// outcome is the exit status for what bench.Repeat returned: exitOK, a
// hook's status (already reported), or the status for the runner's error,
// which it reports. When a run could not start, the -conclude of its
// -prepare still runs, but not once interrupted.
func (l *runLoop) outcome(ctx context.Context, err error) int {
	var st *stopped
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &st):
		return st.code
	}
	l.s.progress.clear()
	where := l.now.head
	var re *bench.RunError
	if errors.As(err, &re) {
		where, err = l.state(re.Step).head, re.Err
	}
	code := l.s.runFailure(ctx, l.s.where(l.b, where), err)
	if ctx.Err() != nil {
		return code
	}
	if _, c := l.s.runHook(ctx, l.b, "conclude", hookFor(l.s.o.run.conclude, l.b.command), where); code == exitOK {
		code = c
	}
	return code
}

// pace is the mean time of the runs so far, prepare and conclude
// included, for the progress line's ETA.
type pace struct {
	sum time.Duration
	n   int
}

func (p *pace) add(d time.Duration) { p.sum, p.n = p.sum+d, p.n+1 }

func (p *pace) mean() time.Duration {
	if p.n == 0 {
		return 0
	}
	return p.sum / time.Duration(p.n)
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
