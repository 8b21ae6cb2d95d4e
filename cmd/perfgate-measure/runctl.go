package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/perfgate/adapters"
)

// runControl is hyperfine's run control as the flags give it (raw) and as
// resolveRunControl settles it.
type runControl struct {
	prepare, conclude stringsFlag // one for all commands, or one each
	setup, cleanup    string
	ignore            ignoreFlag
	runsArg           string // -runs as given: a number or "auto"
	minRuns, maxRuns  int    // 0 when not given
	budget            time.Duration

	auto     bool // the run count comes from the first run's time
	min, max int  // the automatic count's bounds; max 0 means no limit
}

// Defaults of the automatic run count, hyperfine's.
const (
	defaultMinRuns = 10
	defaultBudget  = 3 * time.Second
)

// ignoreFlag is -i / -ignore-failure: a boolean flag that also takes a
// list of exit statuses (-i=1,2), as hyperfine's --ignore-failure does.
type ignoreFlag struct {
	all   bool  // every non-zero exit and every signal
	codes []int // else these exit statuses only
}

func (f *ignoreFlag) IsBoolFlag() bool { return true }

func (f *ignoreFlag) String() string {
	if f == nil || (!f.all && f.codes == nil) {
		return "false"
	}
	if f.all {
		return "true"
	}
	parts := make([]string, len(f.codes))
	for i, c := range f.codes {
		parts[i] = strconv.Itoa(c)
	}
	return strings.Join(parts, ",")
}

func (f *ignoreFlag) Set(s string) error {
	*f = ignoreFlag{}
	switch s {
	case "true", "all-non-zero":
		f.all = true
		return nil
	case "false":
		return nil
	}
	for _, part := range strings.Split(s, ",") {
		c, err := strconv.Atoi(strings.TrimSpace(part))
		if err != nil || c == 0 {
			return errors.New("want true, false, all-non-zero or a list of non-zero exit statuses such as 1,2")
		}
		f.codes = append(f.codes, c)
	}
	return nil
}

// ignores reports whether a run that ended with r does not stop the
// benchmark. A timed-out run is never ignored: its wall time is the
// limit, not the command's, and would bend every statistic.
func (f *ignoreFlag) ignores(r *adapters.RunResult) bool {
	switch {
	case r.Succeeded():
		return true
	case r.TimedOut:
		return false
	case f.all:
		return true
	case r.Signal != nil:
		return false // as hyperfine: a list of statuses does not cover signals
	}
	for _, c := range f.codes {
		if c == r.ExitCode {
			return true
		}
	}
	return false
}

// resolveRunControl checks the run-control flags against each other and
// settles the run count; it returns what is wrong, or "".
func (o *options) resolveRunControl(fs *flag.FlagSet) string {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[canonicalFlag(f.Name)] = true })
	rc := &o.run
	rc.auto = rc.runsArg == "auto" || set["min-runs"] || set["max-runs"] || set["time-budget"] ||
		o.hyperfineForm && !set["runs"] && !set["repeat"] // hyperfine's default
	if set["runs"] && rc.runsArg != "auto" {
		n, err := strconv.Atoi(rc.runsArg)
		switch {
		case err != nil:
			return fmt.Sprintf("-runs wants a number of runs or auto, not %q", rc.runsArg)
		case n < 1:
			return fmt.Sprintf("-runs must be at least 1, not %d", n)
		case n > maxCount:
			return fmt.Sprintf("-runs %d is more than %d runs", n, maxCount)
		case set["repeat"] && n != o.repeat:
			return fmt.Sprintf("-runs %d and -repeat %d disagree", n, o.repeat)
		}
		o.repeat = n
	}
	fixed := set["repeat"] || (set["runs"] && rc.runsArg != "auto")
	switch {
	case rc.auto && fixed:
		return "a fixed number of runs (-runs n, -repeat n) cannot go with -runs auto, -min-runs, -max-runs or -time-budget"
	case set["min-runs"] && rc.minRuns < 1:
		return fmt.Sprintf("-min-runs must be at least 1, not %d", rc.minRuns)
	case set["max-runs"] && rc.maxRuns < 1:
		return fmt.Sprintf("-max-runs must be at least 1, not %d", rc.maxRuns)
	case rc.minRuns > maxCount:
		return fmt.Sprintf("-min-runs %d is more than %d runs", rc.minRuns, maxCount)
	case rc.maxRuns > maxCount:
		return fmt.Sprintf("-max-runs %d is more than %d runs", rc.maxRuns, maxCount)
	case set["min-runs"] && set["max-runs"] && rc.minRuns > rc.maxRuns:
		return fmt.Sprintf("-min-runs %d is more than -max-runs %d", rc.minRuns, rc.maxRuns)
	case set["time-budget"] && rc.budget <= 0:
		return fmt.Sprintf("-time-budget must be positive, not %v", rc.budget)
	}
	rc.min, rc.max = defaultMinRuns, rc.maxRuns
	switch {
	case set["min-runs"]:
		rc.min = rc.minRuns
	case set["max-runs"]:
		rc.min = min(defaultMinRuns, rc.maxRuns) // as hyperfine: an implicit minimum yields
	}
	if !set["time-budget"] {
		rc.budget = defaultBudget
	}
	return o.checkHooks(set)
}

// checkHooks checks -prepare, -conclude, -setup and -cleanup.
func (o *options) checkHooks(set map[string]bool) string {
	commands := o.commandCount()
	for _, h := range []struct {
		name string
		list []string
	}{{"prepare", o.run.prepare}, {"conclude", o.run.conclude}} {
		if n := len(h.list); n > 1 && n != commands {
			return fmt.Sprintf("%d -%s flags for %d commands: give one for all commands or one per command", n, h.name, commands)
		}
		for _, c := range h.list {
			if strings.TrimSpace(c) == "" {
				return "empty -" + h.name + " command"
			}
		}
	}
	for name, c := range map[string]string{"setup": o.run.setup, "cleanup": o.run.cleanup} {
		if set[name] && strings.TrimSpace(c) == "" {
			return "empty -" + name + " command"
		}
	}
	return ""
}

// runCount is how many measured runs to make, given how long the first
// run took with its -prepare and -conclude (hyperfine counts them too):
// as many as fit in the budget, rounded down as hyperfine does, and
// clamped to [min, max].
func (rc *runControl) runCount(first time.Duration) int {
	n := rc.max
	if first > 0 {
		fit := math.Floor(float64(rc.budget) / float64(first))
		if rc.max == 0 || fit < float64(rc.max) {
			n = int(min(fit, maxCount))
		}
	} else if n == 0 {
		n = maxCount // an immeasurably fast run fills any budget
	}
	return max(n, rc.min)
}

// runsAtLeast is how many measured runs each command gets at least.
func (o *options) runsAtLeast() int {
	if o.run.auto {
		return o.run.min
	}
	return o.repeat
}

// hookFor picks a -prepare or -conclude command for command n of the
// command line (from 1; every parameter value of a command shares its
// hooks): the only one, or the n-th; "" when there is none.
func hookFor(list []string, n int) string {
	switch len(list) {
	case 0:
		return ""
	case 1:
		return list[0]
	}
	return list[n-1]
}

// hookOutputCap is how much of a hook's output is kept, to show why it
// failed.
const hookOutputCap = 4096

// runHook runs a -prepare, -conclude, -setup or -cleanup command through
// the shell, untimed, with the commands' -cwd, -env and -timeout, the null
// device as stdin, and its output captured for a failure's message (or,
// with -output inherit, on this process's own). It returns how long it
// took, and exitFailed after reporting a failure; "" runs nothing. A
// {NAME} in command is b's value of the parameter NAME, as in b's command.
func (s *session) runHook(ctx context.Context, b *benchmark, kind, command, where string) (time.Duration, int) {
	if command == "" {
		return 0, exitOK
	}
	command = b.substitute(command)
	spec := adapters.CommandSpec{
		Name: kind, Argv: s.o.shellArgv(command), Cwd: s.o.cwd, Env: s.o.env, Timeout: s.o.timeout,
		Output: adapters.OutputCapture, OutputCapBytes: hookOutputCap,
	}
	if s.o.output == adapters.OutputInherit {
		spec.Output = adapters.OutputInherit
	}
	what := "-" + kind + " command"
	if where != "" {
		what += " before " + where
		if kind == "conclude" || kind == "cleanup" {
			what = "-" + kind + " command after " + where
		}
	}
	r, err := s.exec.Run(ctx, spec)
	if err != nil {
		return r.Wall, s.runFailure(ctx, s.where(b, what), err)
	}
	if err := r.Err(); err != nil {
		s.errorf("%s failed: %v%s", s.where(b, what), err, hookOutput(&r))
		return r.Wall, exitFailed
	}
	return r.Wall, exitOK
}

// hookOutput is the end of a failed hook's stderr (else stdout), indented
// under the error, or "".
func hookOutput(r *adapters.RunResult) string {
	out := strings.TrimSpace(string(r.Stderr))
	if out == "" {
		out = strings.TrimSpace(string(r.Stdout))
	}
	if out == "" {
		return ""
	}
	return "\n  " + strings.ReplaceAll(out, "\n", "\n  ")
}
