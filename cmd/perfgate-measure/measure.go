package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/perfgate/adapters"
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
	code := s.warmUp(ctx, b, &m)
	if code == exitOK {
		code = s.measureRuns(ctx, b, &m)
	}
	m.ended = time.Now()
	if code != exitInterrupted {
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

// warmUp makes b's warm-up runs, which are never reported.
func (s *session) warmUp(ctx context.Context, b *benchmark, m *measurement) int {
	var p pace
	for i := range s.o.warmup {
		st := progressState{head: fmt.Sprintf("warm-up run %d/%d", i+1, s.o.warmup), label: b.label,
			done: i, total: s.o.warmup, perRun: p.mean()}
		r, took, code := s.iteration(ctx, b, st)
		if code != exitOK {
			return code
		}
		if err := r.Err(); err != nil && !s.o.run.ignore.ignores(&r) {
			s.errorf("%s: %v%s%s", s.where(b, st.head), err, s.notIgnored(&r), s.failureHints(&r))
			return exitFailed
		}
		p.add(took)
		if s.keep.details {
			m.warmups = append(m.warmups, newRecord(&r, s.keep, !s.runner.Direct))
			if err := s.spill.spillOutput(&m.warmups[len(m.warmups)-1]); err != nil {
				s.errorf("%v", err)
				return exitFailed
			}
		}
		s.gc.betweenRuns()
	}
	return exitOK
}

// measureRuns makes b's measured runs: -runs n of them, or with an
// automatic count as many as the first run's time says (runCount).
func (s *session) measureRuns(ctx context.Context, b *benchmark, m *measurement) int {
	var p pace
	total := s.o.repeat
	if s.o.run.auto {
		total = 0 // known after the first run
	}
	for i := 0; total == 0 || i < total; i++ {
		st := progressState{head: runLabel(i, total), label: b.label, done: i, total: total,
			estimate: estimateOf(&m.wall), perRun: p.mean()}
		r, took, code := s.iteration(ctx, b, st)
		if code != exitOK {
			return code
		}
		p.add(took)
		if total == 0 {
			total = s.o.run.runCount(took)
		}
		if err := s.reportRun(b, i, total, &r); err != nil {
			s.errorf("%v", err)
			return exitFailed
		}
		if err := r.Err(); err != nil {
			if !s.o.run.ignore.ignores(&r) {
				label := runLabel(i, total)
				s.errorf("%s: %v%s%s", s.where(b, label), err, s.notIgnored(&r), s.failureHints(&r))
				if i+1 < total || b.number < len(s.benches) {
					s.errorf("stopped after %s; no summary", s.where(b, label))
				}
				return exitFailed
			}
			m.failed++
		}
		m.add(&r, s.keep, !s.runner.Direct)
		if err := s.spill.spillOutput(&m.runs[len(m.runs)-1]); err != nil {
			s.errorf("%v", err)
			return exitFailed
		}
		s.gc.betweenRuns()
	}
	return exitOK
}

// iteration runs b once between its -prepare and its -conclude. It
// returns the run's result, how long the three took, and exitOK or the
// status of a failure it has reported. The -conclude of a -prepare that
// ran runs even when b could not start, but not once interrupted.
func (s *session) iteration(ctx context.Context, b *benchmark, st progressState) (adapters.RunResult, time.Duration, int) {
	prep, code := s.runHook(ctx, b, "prepare", hookFor(s.o.run.prepare, b.command), st.head)
	if code != exitOK {
		return adapters.RunResult{}, 0, code
	}
	r, code := s.runOnce(ctx, b, st)
	if code == exitInterrupted {
		return r, 0, code
	}
	concl, c := s.runHook(ctx, b, "conclude", hookFor(s.o.run.conclude, b.command), st.head)
	if code == exitOK {
		code = c
	}
	return r, prep + r.Wall + concl, code
}

// runLabel names measured run i (from 0) of total: "run 3/17", or "run 1"
// while the count is not yet known.
func runLabel(i, total int) string {
	if total == 0 {
		return fmt.Sprintf("run %d", i+1)
	}
	return fmt.Sprintf("run %d/%d", i+1, total)
}

// notIgnored says, after a failed run's error, why -i did not ignore it.
func (s *session) notIgnored(r *adapters.RunResult) string {
	rc := &s.o.run
	switch {
	case !rc.ignore.all && rc.ignore.codes == nil:
		return ""
	case r.TimedOut:
		return " (-i does not ignore a run that timed out: its wall time is the limit, not the command's)"
	}
	return " (not among the exit statuses -i=" + rc.ignore.String() + " ignores)"
}

// stderrTailLines is how many of a failed run's last stderr lines its
// error shows.
const stderrTailLines = 10

// failureHints follows a failed run's error, as hyperfine's does: the
// last lines of its stderr when captured, then what -i and --show-output
// would do. "" for a run that timed out (-i does not ignore it).
func (s *session) failureHints(r *adapters.RunResult) string {
	if r.TimedOut {
		return ""
	}
	var b strings.Builder
	if tail := lastLines(r.Stderr, stderrTailLines); tail != "" {
		b.WriteString("\n  ")
		b.WriteString(strings.ReplaceAll(tail, "\n", "\n  "))
		if r.StderrTruncated {
			b.WriteString("\n  (stderr cut at -output-cap: the end shown is the end of what was kept)")
		}
	}
	rc := &s.o.run
	if !rc.ignore.all && rc.ignore.codes == nil {
		what := "a non-zero exit status"
		if r.Signal != nil {
			what = "a signal"
		}
		b.WriteString("\n  -i (--ignore-failure) keeps runs that end with " + what + " in the figures")
	}
	if s.runOutput() == adapters.OutputDiscard {
		b.WriteString("\n  its output went to the null device: --show-output lets it through, -output capture shows the end of its stderr here")
	}
	return b.String()
}

// runOutput is where the measured commands' output goes.
func (s *session) runOutput() adapters.OutputMode {
	if s.o.output == "" {
		return adapters.OutputCapture
	}
	return s.o.output
}

// lastLines is the last n lines of out, as text, without the final
// newline; "" when out is blank.
func lastLines(out []byte, n int) string {
	text := strings.TrimRight(string(out), "\n\r\t ")
	if strings.TrimSpace(text) == "" {
		return ""
	}
	lines := strings.Split(text, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.ToValidUTF8(strings.Join(lines, "\n"), "\uFFFD")
}

// warnIgnored warns when -i let runs that failed into the figures.
func (s *session) warnIgnored(m *measurement) {
	if m.failed == 0 {
		return
	}
	who := ""
	if len(s.benches) > 1 {
		who = m.bench.label + ": "
	}
	s.errorf("warning: %s%d of %d runs failed (non-zero exit status or killed by a signal) and were "+
		"ignored (-i); the figures include them", who, m.failed, len(m.runs))
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

// runOnce runs b once, showing progress while it runs. A status other
// than exitOK means the command did not run to its end; the failure has
// been reported.
func (s *session) runOnce(ctx context.Context, b *benchmark, st progressState) (adapters.RunResult, int) {
	label := st.head
	if len(s.benches) > 1 {
		st.head = fmt.Sprintf("command %d/%d, %s", b.number, len(s.benches), label)
	}
	s.progress.start(st)
	if err := s.rewindInput(); err != nil {
		s.errorf("%v", err)
		return adapters.RunResult{}, exitFailed
	}
	r, err := s.exec.Run(ctx, b.spec)
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

// reportRun writes a measured run: a JSON line, a table, one line, or
// nothing (runLinesHidden).
func (s *session) reportRun(b *benchmark, i, total int, r *adapters.RunResult) error {
	if s.o.json {
		return writeRunJSONLine(s.stdout, runKeys{Name: b.label, Command: b.number, Run: i + 1, Parameters: paramMap(b.params)}, r)
	}
	hidden := s.o.runLinesHidden()
	if hidden && !s.o.verbose {
		return nil
	}
	label := runLabel(i, total)
	if len(s.benches) > 1 {
		label = fmt.Sprintf("command %d/%d, %s", b.number, len(s.benches), label)
	}
	if !hidden && (s.o.verbose || total == 1) {
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
		s.out.runUnit = s.out.timeUnit(float64(r.Wall.Nanoseconds()) / 1e6)
	}
	writeRunLine(s.stdout, i+1, total, r, s.rssMissing(r, false), s.out.runUnit)
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
			text += " (" + belowFloor(spawnedBySpawner(r, !s.runner.Direct)) + ")"
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

// belowFloor says, in a user's words, why a peak is withheld: it is below
// the peak of the process that spawned the child (the spawner's, or this
// process's), which the child inherits at exec on Linux.
func belowFloor(viaSpawner bool) string {
	if viaSpawner {
		return "too small to measure here, see docs/spawner.md"
	}
	return "too small to measure without the spawner, see docs/spawner.md"
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

// estimateOf is the progress line's estimate of the mean wall time over
// the measured runs done: "1.203 s ± 0.012 s", or "" before the first.
func estimateOf(done *runningStats) string {
	if done.n == 0 {
		return ""
	}
	unit := timeUnitFor(done.mean)
	text := unit.format(done.mean)
	if sd, ok := done.stdDev(); ok {
		text += " ± " + unit.format(sd)
	}
	return text
}

// runLinesHidden reports whether text mode leaves out the measured runs
// and shows only the summaries, as hyperfine does: in hyperfine's forms,
// and with an automatic run count (which may be thousands of runs).
// -verbose then shows one line per run.
func (o *options) runLinesHidden() bool { return o.hyperfineForm || o.run.auto }
