package main

import (
	"fmt"

	"github.com/perfgate/adapters"
)

// runLabel names measured run i (from 0) of total: "run 3/17", or "run 1"
// while the count is not yet known.
func runLabel(i, total int) string {
	if total == 0 {
		return fmt.Sprintf("run %d", i+1)
	}
	return fmt.Sprintf("run %d/%d", i+1, total)
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
