package main

import (
	"context"
	"errors"
	"strings"

	"github.com/perfgate/adapters"
)

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
