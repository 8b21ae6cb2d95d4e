package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/perfgate/adapters"
)

// options holds the parsed command line.
type options struct {
	timeout      time.Duration
	outputCap    int
	repeat       int
	warmup       int
	cwd          string
	env          envFlag
	names        stringsFlag
	json         bool
	verbose      bool
	host         bool
	hostnameHash bool
	showOutput   bool
	tree         bool
	cgroupParent string
	spawner      bool
	exportOutput bool
	shell        bool
	input        string
	output       adapters.OutputMode
	exportJSON   string
	exportMD     string
	exportCSV    string
	receipt      string
	// Presentation (addStyleFlags): -style and the per-run CSV.
	style         outputStyle
	exportCSVRuns string
	run           runControl // -prepare, -runs, -i and the like (runctl.go)
	// commands are the arguments that are not flags: the one argv after
	// "--" (argvForm), else one command string each (forms.go).
	commands []string
	// The form of the command line (forms.go): argvForm for "-- prog
	// args", hyperfineForm for command strings without -shell, which get
	// hyperfine's defaults.
	argvForm, hyperfineForm bool
	noShell                 bool       // -N: each command string split into words
	words                   [][]string // with -N, each command's words
	shellProg               string     // -S: the shell for the command strings
	timeUnit                string     // -time-unit
	reference               string     // -reference
	referenceName           string     // -reference-name
	parameterOptions
}

// newFlagSet declares every flag on a new FlagSet that writes nothing by
// itself: parseArgs reports errors in one line and -help in full.
func newFlagSet(o *options) *flag.FlagSet {
	fs := flag.NewFlagSet(progName, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	fs.DurationVar(&o.timeout, "timeout", 0,
		"kill the command's whole process group after `duration` (e.g. 500ms, 2m);\n"+
			"a run that reaches it counts as failed. 0 means no limit")
	fs.IntVar(&o.outputCap, "output-cap", 0,
		"`bytes` of each of stdout and stderr to keep; the rest is read and counted,\n"+
			fmt.Sprintf("not kept. 0 means the library default (%d), negative keeps nothing", adapters.DefaultOutputCapBytes))
	fs.IntVar(&o.repeat, "repeat", 1,
		"run each command `n` times; when n > 1, one line per run and a summary\n"+
			"(mean ± σ, median, min … max) are printed in text mode")
	fs.IntVar(&o.warmup, "warmup", 0,
		"first run each command `n` times without reporting those runs (to warm\n"+
			"caches); a failing warm-up run still stops everything with status 1")
	fs.StringVar(&o.cwd, "cwd", "", "run the commands in `dir` instead of the current directory")
	fs.Var(&o.env, "env",
		"add `KEY=VALUE` to the commands' inherited environment, replacing an\n"+
			"inherited KEY; repeat the flag for more variables, a later one wins")
	fs.Var(&o.names, "name",
		"`label` for the command in headings, JSON lines, exports and the receipt's\n"+
			"bench name (not passed to the command); with -shell, repeat it to label\n"+
			"the commands in order. The default label is the command itself")
	fs.BoolVar(&o.shell, "shell", false,
		"run each argument after the flags as a command string through /bin/sh -c\n"+
			"(cmd.exe /C on Windows, rc -c on Plan 9), one after the other, and compare\n"+
			"them: which was faster, by how much, ± its uncertainty")
	fs.StringVar(&o.input, "input", "",
		"read the command's standard input from `file`, from its start on every\n"+
			"run (default: the null device); a pipe can feed one run only")
	fs.Var(outputFlag{&o.output}, "output",
		"where the command's stdout and stderr go, as `mode`: capture (read, count\n"+
			"and keep the first -output-cap bytes), inherit (this process's own stdout\n"+
			"and stderr; no progress line) or discard (the null device); only capture\n"+
			"counts output sizes")
	fs.BoolVar(&o.verbose, "verbose", false,
		"print the full table of figures for every run, not one line per run\n"+
			"(a single run always gets the full table)")
	fs.BoolVar(&o.json, "json", false,
		"print one JSON object per measured run per line instead of text: the\n"+
			"adapters.RunResult keys plus \"name\" (the label), \"command\" (its\n"+
			"number, from 1) and \"run\" (from 1; warm-up runs are not printed);\n"+
			"no summary, comparison or progress line (see -export-json)")
	fs.BoolVar(&o.host, "host", false,
		"also describe the host (OS, architecture, CPUs, memory): a table first,\n"+
			"or with -json a first line {\"host\": adapters.HostInfo JSON}")
	fs.BoolVar(&o.hostnameHash, "hostname-hash", false,
		"include the SHA-256 of the hostname (never the name itself) in the host\n"+
			"description and the receipt; implies -host")
	fs.BoolVar(&o.showOutput, "show-output", false,
		"print the captured stdout and stderr after each run's table (text mode\n"+
			"with -verbose or a single run; needs -output capture)")
	addOutputFlags(fs, o)
	addStyleFlags(fs, o)
	addParameterFlags(fs, o)
	addRunControlFlags(fs, &o.run)
	addHyperfineFlags(fs, o)
	return fs
}

// addRunControlFlags adds hyperfine's run control: the commands run around
// the measured runs, how many runs, and which failures do not stop them.
func addRunControlFlags(fs *flag.FlagSet, rc *runControl) {
	fs.Var(&rc.prepare, "prepare",
		"run `command` through the shell before every run of a command (warm-up\n"+
			"runs too), untimed, e.g. to clear a cache; give it once for all commands\n"+
			"or once per command, in order")
	fs.Var(&rc.conclude, "conclude",
		"run `command` through the shell after every run, untimed; once for all\n"+
			"commands or once per command, as -prepare")
	fs.StringVar(&rc.setup, "setup", "",
		"run `command` through the shell once per command, before its first run\n"+
			"(warm-up runs included)")
	fs.StringVar(&rc.cleanup, "cleanup", "",
		"run `command` through the shell once per command, after its last run, and\n"+
			"also after a failure once -setup has run (not when interrupted)")
	fs.Var(&rc.ignore, "i",
		"ignore runs that exit non-zero or are killed by a signal: they are reported\n"+
			"and counted, and a warning says how many; -i=1,2 ignores those exit\n"+
			"statuses only. A run that times out or cannot start still stops everything")
	fs.Var(&rc.ignore, "ignore-failure", "the same as -i")
	fs.StringVar(&rc.runsArg, "runs", "",
		"`n` measured runs of each command (the same as -repeat n), or auto: as many\n"+
			"as fit in -time-budget, from the first run's time, between -min-runs and\n"+
			"-max-runs (hyperfine's rule)")
	fs.IntVar(&rc.minRuns, "min-runs", 0,
		"with automatic run counts, at least `n` runs (default 10, or -max-runs if\n"+
			"lower); implies -runs auto")
	fs.IntVar(&rc.maxRuns, "max-runs", 0,
		"with automatic run counts, at most `n` runs (default no limit); implies\n"+
			"-runs auto")
	fs.DurationVar(&rc.budget, "time-budget", 0,
		"with automatic run counts, aim at about `duration` of runs per command\n"+
			"(prepare and conclude included; default 3s); implies -runs auto")
}

// addOutputFlags adds the flags for what is written besides the report:
// exports, receipts, and how the runs are made (-tree, -spawner).
func addOutputFlags(fs *flag.FlagSet, o *options) {
	fs.StringVar(&o.exportJSON, "export-json", "",
		"write `file` as hyperfine's JSON export (results[] with command, mean,\n"+
			"stddev, median, user, system, min, max in seconds, times, exit_codes,\n"+
			"parameters, memory_usage_byte), with every run's figures beside it")
	fs.StringVar(&o.exportMD, "export-markdown", "",
		"write a Markdown table of the summaries to `file`")
	fs.StringVar(&o.exportCSV, "export-csv", "",
		"write one CSV row per command to `file`, as hyperfine's: command, mean,\n"+
			"stddev, median, user, system, min, max, in seconds (see -export-csv-runs)")
	fs.StringVar(&o.receipt, "receipt", "",
		"write a perfgate.run.v1 receipt (for perfgate compare and check) to `file`;\n"+
			"with several commands, one receipt each: file.json becomes file-1.json,\n"+
			"file-2.json, ...")
	fs.BoolVar(&o.tree, "tree", false,
		"measure the whole process tree (Linux cgroup v2, see the adapters README):\n"+
			"orphans and daemons count, and are killed at the end; each figure says\n"+
			"whether it covers the tree or fell back to the process")
	fs.BoolVar(&o.spawner, "spawner", true,
		"on Linux, start the commands through the spawner: a small copy of this\n"+
			"program whose own few MiB are all a child inherits at exec, so that a\n"+
			"command smaller than this process gets its own peak memory (see the\n"+
			"adapters docs/spawner.md); -spawner=false starts them directly, a little\n"+
			"cheaper per run, and withholds the peak of commands not above this\n"+
			"process's own. No effect with -tree (always direct) or on other systems")
	fs.BoolVar(&o.exportOutput, "export-output", false,
		"also write each run's captured stdout and stderr (the first -output-cap\n"+
			"bytes) in -export-json and -receipt; without it they hold the output\n"+
			"sizes only, and no run's output is kept in memory once it is reported")
	fs.StringVar(&o.cgroupParent, "cgroup-parent", "",
		"with -tree, the cgroup v2 `directory` under which each run's cgroup is made\n"+
			"(default: this process's own cgroup)")
}

// parameterOptions are the flags of parameter scans, -sort and the
// shell's start-up (addParameterFlags).
type parameterOptions struct {
	scan            *scanArgs   // -parameter-scan
	lists           []paramAxis // -parameter-list, each with its VALUES unsplit
	step            string      // -parameter-step
	axes            []paramAxis // the parameters' values, once checked
	sort            sortOrder
	shellCorrection bool
}

// addParameterFlags adds -parameter-scan, -parameter-list and
// -parameter-step (hyperfine's -P, -L, -D), -sort and -shell-correction.
func addParameterFlags(fs *flag.FlagSet, o *options) {
	fs.Var(multiValueFlag("parameter-scan"), "parameter-scan",
		"three arguments, `NAME MIN MAX`: one benchmark of each command for each\n"+
			"value from MIN to MAX, with {NAME} replaced by the value in the commands\n"+
			"and -name labels; integers unless -parameter-step has decimals. At most\n"+
			"100000 values. Cannot be combined with -parameter-list")
	fs.StringVar(&o.step, "parameter-step", "",
		"with -parameter-scan, go from MIN to MAX in steps of `DELTA` (default 1;\n"+
			"needed when MIN or MAX has decimals), exactly in decimal: 0 1 by 0.1 gives\n"+
			"0.0, 0.1, ..., 1.0")
	fs.Var(multiValueFlag("parameter-list"), "parameter-list",
		"two arguments, `NAME VALUES`: one benchmark of each command for each of\n"+
			"the comma-separated VALUES (\\, for a comma in a value), {NAME} replaced as\n"+
			"with -parameter-scan; repeat it for every combination, the first list\n"+
			"varying fastest, as hyperfine")
	o.sort = sortAuto
	fs.Var(&o.sort, "sort",
		"set the `order` of the comparison and the Markdown table: auto (the\n"+
			"comparison by mean wall time, the table in command order), command (both\n"+
			"in command order, the comparison as a table of ratios) or mean (both by\n"+
			"mean wall time)")
	fs.BoolVar(&o.shellCorrection, "shell-correction", true,
		"with -shell, first measure the shell's own start-up (50 runs of the shell\n"+
			"with an empty command, as hyperfine) and subtract its mean from each run's\n"+
			"wall, user and system time in summaries, the comparison and exports'\n"+
			"summaries (never below 0); each run as printed keeps its raw figures")
}

// parseArgs parses args (without the program name). When it returns false
// the command must exit with the returned status: exitUsage after an error
// (already reported on stderr in one line), exitOK after -help (written
// to stdout, as GNU programs do, so that it can be paged).
func parseArgs(args []string, stdout, stderr io.Writer) (options, int, bool) {
	var o options
	fs := newFlagSet(&o)
	cl, err := splitCommandLine(fs, args, &o)
	if err != nil {
		return o, usageError(stderr, "%v", err), false
	}
	if err := fs.Parse(cl.flags); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			writeHelp(stdout, fs)
			return o, exitOK, false
		}
		return o, usageError(stderr, "%v", unknownFlag(fs, err)), false
	}
	shellGiven := false
	fs.Visit(func(f *flag.Flag) { shellGiven = shellGiven || f.Name == "shell" })
	if msg := o.settleForm(cl, shellGiven); msg != "" {
		return o, usageError(stderr, "%s", msg), false
	}
	if o.axes, err = o.parameterAxes(); err != nil {
		return o, usageError(stderr, "%v", err), false
	}
	if o.hostnameHash {
		o.host = true
	}
	if o.hyperfineForm && o.output == "" && !o.showOutput && !o.exportOutput {
		// hyperfine's default: the commands' output to the null device,
		// neither read nor counted (reading it costs the command time).
		o.output = adapters.OutputDiscard
	}
	if msg := o.check(); msg != "" {
		return o, usageError(stderr, "%s", msg), false
	}
	if msg := o.resolveRunControl(fs); msg != "" {
		return o, usageError(stderr, "%s", msg), false
	}
	return o, exitOK, true
}

// maxCount bounds every count of runs (-runs, -repeat, -warmup,
// -min-runs, -max-runs): a billion runs is already years of anything
// measurable, and the bound keeps every product of counts (runs of all
// the benchmarks, for -input) far from overflowing.
const maxCount = 1_000_000_000

// check returns what is wrong with a parsed command line, or "".
func (o *options) check() string {
	switch {
	case len(o.commands) == 0:
		return "no command to run"
	case !o.shell && o.commands[0] == "":
		return "empty program name"
	case len(o.axes) > 0 && o.checkParameterNames() != "":
		return o.checkParameterNames()
	case len(o.axes) == 0 && o.shell && len(o.names) > len(o.commands):
		return fmt.Sprintf("%d -name flags for %d commands", len(o.names), len(o.commands))
	case len(o.axes) == 0 && !o.shell && len(o.names) > 1:
		return "more than one -name for one command (several commands need -shell)"
	case o.timeout < 0:
		return fmt.Sprintf("negative -timeout %v", o.timeout)
	case o.repeat < 1:
		return fmt.Sprintf("-repeat must be at least 1, not %d", o.repeat)
	case o.repeat > maxCount:
		return fmt.Sprintf("-repeat %d is more than %d runs", o.repeat, maxCount)
	case o.warmup < 0:
		return fmt.Sprintf("-warmup must not be negative, not %d", o.warmup)
	case o.warmup > maxCount:
		return fmt.Sprintf("-warmup %d is more than %d runs", o.warmup, maxCount)
	case o.showOutput && o.output != "" && o.output != adapters.OutputCapture:
		return "-show-output needs -output capture, not " + string(o.output)
	case o.exportOutput && o.exportJSON == "" && o.receipt == "":
		return "-export-output needs -export-json or -receipt"
	case o.exportOutput && o.output != "" && o.output != adapters.OutputCapture:
		return "-export-output needs -output capture, not " + string(o.output)
	case o.timeUnit != "" && !validTimeUnit(o.timeUnit):
		return fmt.Sprintf("-time-unit wants microsecond, millisecond or second, not %q", o.timeUnit)
	case o.json && o.style == styleNone:
		return "-style none would hide the -json lines; drop one of them"
	}
	if !o.argvForm {
		for i, c := range o.commands {
			if strings.TrimSpace(c) == "" {
				return fmt.Sprintf("command %d is empty", i+1)
			}
		}
	}
	return ""
}

// usageError reports a usage error in one line, with a pointer to -help,
// and returns exitUsage.
func usageError(stderr io.Writer, format string, a ...any) int {
	fmt.Fprintf(stderr, "%s: %s\n", progName, fmt.Sprintf(format, a...))
	fmt.Fprintf(stderr, "usage: %s [flags] 'command'... | -- prog [args...]  (see -help)\n", progName)
	return exitUsage
}

// addStyleFlags adds the flags for how the report looks: -style, and the
// per-run CSV that -export-csv wrote before it took hyperfine's shape.
func addStyleFlags(fs *flag.FlagSet, o *options) {
	fs.Var(styleFlag{&o.style}, "style",
		"how the text report looks, as hyperfine's --style `type`: auto (colour when\n"+
			"stdout is a terminal and NO_COLOR is empty, the progress line when stderr\n"+
			"is a terminal), full (colour even without a terminal, and the progress\n"+
			"line), basic (neither), nocolor (progress line only), color (colour\n"+
			"only) or none (nothing on stdout; errors and warnings still go to\n"+
			"stderr). An explicit style wins over NO_COLOR; -json lines are never\n"+
			"coloured")
	fs.StringVar(&o.exportCSVRuns, "export-csv-runs", "",
		"write one CSV row per measured run to `file`: command number, name, run,\n"+
			"wall, user and system CPU time in ms, peak memory in KiB, faults, context\n"+
			"switches, block I/O and exit code (what -export-csv wrote before it took\n"+
			"hyperfine's shape)")
}

func validTimeUnit(s string) bool {
	_, ok := parseTimeUnit(s)
	return ok
}
