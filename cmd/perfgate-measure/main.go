// Command perfgate-measure runs a command and prints what the
// github.com/perfgate/adapters library measured about it: wall time, exit
// status, user and system CPU time, peak resident memory, page faults,
// context switches, block I/O, energy, the size of the program file and how
// much it wrote to stdout and stderr. It is a small front end to
// adapters.StdProcessRunner: a compact /usr/bin/time -v for one run, and a
// hyperfine-like benchmark for many runs and several commands.
//
// Usage:
//
//	perfgate-measure [flags] 'command' ['command'...]   (hyperfine's form)
//	perfgate-measure [flags] -N 'prog args' ['prog args'...]
//	perfgate-measure [flags] -- prog [args...]          (/usr/bin/time's form)
//	perfgate-measure [flags] -shell 'command' ['command'...]
//
// Each argument that is not a flag is a command string, as hyperfine takes
// it: run through /bin/sh -c (cmd.exe /C on Windows, /bin/rc -c on Plan 9,
// or -S's shell), or with -N (--shell=none) split into words as hyperfine
// splits them ('a b' and "a b" one word, \ escaping) and run without a
// shell. Flags may come before, between and after the commands. After
// "--" the arguments are one program and its arguments, run without a
// shell; prog is looked up in PATH unless it contains a path separator.
// The commands are measured one after the other, in order, and compared.
// hyperfine's short and long flag names are accepted with hyperfine's
// meanings (-r -w -m -M -N -P -D -L -s -p -c -C -i -S -u -n, --runs,
// --command-name, --parameter-step-size, --time-unit, --reference, ...);
// where a name is also this program's with another meaning, the two-dash
// spelling is hyperfine's: --shell SHELL is -S SHELL, --show-output lets
// the commands' output through (-output inherit), while -shell (a switch:
// command strings through the shell, with this program's defaults) and
// -show-output (print the captured output after each run's table) keep
// their meanings. An unknown flag is a usage error naming the closest.
// -reference CMD is measured first and every command compared with it.
// -time-unit microsecond|millisecond|second fixes the unit of times.

// # Flags
//
// Running: -repeat n (measured runs of each command), -warmup n (runs done
// first and not reported), -timeout, -cwd, -env KEY=VALUE (repeatable),
// -input file (the command's standard input, from its start on every run;
// default the null device), -output capture|inherit|discard (where the
// command's stdout and stderr go: read through pipes, counted and kept up
// to -output-cap bytes; this process's own stdout and stderr; or the null
// device), -output-cap, and -tree with -cgroup-parent (measure the whole
// process tree in a cgroup v2 on Linux; each figure then says whether it
// covers the tree or fell back to the process).
//
// Run control, as hyperfine's: -runs n (the same as -repeat n) or -runs
// auto; -min-runs, -max-runs and -time-budget (each implies -runs auto);
// -prepare and -conclude (a shell command before and after every run,
// warm-up runs included; once for all commands or once per command),
// -setup and -cleanup (once per command, before its first run and after
// its last), and -i / -ignore-failure.
//
// Reporting: -name (a label; with -shell, one per command in order), -json,
// -verbose, -show-output, -host, -hostname-hash and -style. -spawner
// (default true, Linux only) spawns through the library's spawner.
//
// Parameters, as hyperfine's: -parameter-scan NAME MIN MAX (three
// arguments, as hyperfine users write them) makes one benchmark of each
// command for each value from MIN to MAX, by 1 or by -parameter-step DELTA
// (exact decimal steps: 0 1 by 0.5 gives 0.0, 0.5, 1.0; at most 100000
// values); -parameter-list NAME a,b,c (two arguments, "\," for a comma in
// a value) one for each value, and repeated, one for every combination,
// the first list varying fastest. {NAME} is replaced in each argv element
// (or with -shell in each command string) and in -name; an unknown {x}
// stays. Without -name a benchmark's label is its command, followed by
// "(n = 1)" for a parameter the command does not use. -name is given once
// per command (a template) or once per benchmark. -export-json's results
// and the -json lines carry "parameters": {"n": "1"}.
//
// With -shell the shell's own start-up is measured first, as hyperfine
// does (50 runs of sh -c ""), and its mean wall, user and system times are
// subtracted from each run's, never below 0, in the summaries, the
// comparison and the summaries in exports; the output says so in a first
// line. What shows a run as measured keeps its raw figures: the run lines
// and tables, the -json lines, -export-json's runs, the per-run CSV and the
// receipt's samples and stats. -export-json and the receipt hold the
// start-up under "shell_startup". -shell-correction=false keeps it.
//
// -sort auto|command|mean orders the comparison and the Markdown table as
// hyperfine's --sort does: by default the comparison from the fastest and
// the table in command order; command gives both in command order (the
// comparison then a table of ratios to the fastest), mean both by mean.
//
// Files, written once every run has succeeded: -export-json (hyperfine's
// JSON, which its scripts read, and beside its keys every run's figures,
// each command's summary and the host), -export-markdown (a table of the summaries, as
// hyperfine's), -export-csv (hyperfine's CSV: one row per command with
// command, mean, stddev, median, user, system, min and max, in seconds),
// -export-csv-runs (one row per measured run, what -export-csv wrote
// before it took hyperfine's shape) and -receipt (a perfgate.run.v1
// receipt for perfgate compare and perfgate check; with several commands
// one per command, file.json becoming file-1.json, file-2.json, ... so
// that two commands give a baseline and a current). Every such path is
// checked before the first run (its directory exists, the file can be
// written; nothing is left behind by the check): a bad one is reported at
// once with status 1 and nothing is run. Two flags naming one file are a
// usage error.
//
// # Output
//
// In hyperfine's forms, and with an automatic run count in any form, only
// the summaries are printed, as hyperfine does; -verbose adds one line per
// run. In hyperfine's forms the commands' output goes to the null device
// unless -output (or -show-output, -export-output) says otherwise. After
// "--" or with -shell: a single run is printed as a table of every figure.
// With -repeat n, each run is one line, then a summary gives, for wall time, user and system
// CPU time and peak memory, the mean ± standard deviation (n - 1), the
// median, min … max and how many runs had the figure; a figure no run had
// keeps its row, with why. -verbose prints the full table for every run.
// After the summary a warning goes to standard error when the wall times
// hold statistical outliers (a modified Z-score above 14.826, as hyperfine
// finds them) or the first run was much slower than the rest (caches
// filled by it). With several commands, a comparison follows: the fastest
// by mean wall time, and how many times faster it ran than each other one,
// ± the propagated uncertainty, as hyperfine computes it.
//
// A figure the platform cannot give is shown as "n/a", never as 0. On Linux
// a child inherits the peak memory of the process that spawned it at exec,
// so a child peak not above it is withheld. By default (-spawner) the
// commands are spawned by a small copy of this program, the library's
// spawner, whose floor is a few MiB; -spawner=false spawns directly. A
// withheld peak shows as its bound, "≤ 2.9 MiB", and the summary says once
// what floor it is below.
//
// Per run only the figures are kept: exports and receipts hold the output
// sizes, and the output itself only with -export-output.
//
// Times are shown in ms, or in s from a second up, one unit per table: a
// run's table by its wall time, the summary by its mean, a command's run
// lines by its first run. Memory is shown in KiB, MiB or GiB by size.
//
// While runs go on, a progress line on standard error shows the run, a bar
// of the runs done, the time the current run has taken, the current
// estimate of the mean ± σ and the time left (the remaining runs at the
// mean time per run, -prepare and -conclude included), redrawn in place
// about every 200 ms and cleared before anything else is written; by
// default only when standard error is a terminal, and never with -json or
// -output inherit.
//
// -style is hyperfine's --style. auto (the default) colours the report as
// hyperfine does (command names bold, the mean green, min … max cyan and
// magenta, the fastest command cyan, warnings yellow) when standard output
// is a terminal, unless NO_COLOR is set to anything non-empty or TERM is
// dumb, and draws the progress line when standard error is a terminal.
// full gives both even without a terminal (the progress line still needs
// standard error to be one), basic neither, nocolor the progress line only,
// color the colour only: an explicit style wins over NO_COLOR. none writes
// nothing to standard output; errors and warnings still go to standard
// error, as with hyperfine. -json lines are never coloured, and -json with
// -style none is a usage error.
//
// # How many runs
//
// In hyperfine's forms (command strings without -shell) the count is
// automatic by default, as hyperfine's; after "--" and with -shell it is
// one run (a /usr/bin/time-like table) by default. -runs n fixes it. With
// -runs auto, or any of -min-runs, -max-runs and -time-budget, the count follows
// hyperfine's rule: after the first measured run, as many runs as fit in
// the budget (default 3s) at the time that run took with its -prepare and
// -conclude, rounded down, and then at least -min-runs (default 10, or
// -max-runs when that is lower) and at most -max-runs (default no limit).
// Until the first run ends the progress line says "run 1"; every run line
// then says "run 3/17".
//
// # Commands around the runs
//
// -setup, -prepare, -conclude and -cleanup commands run through the shell
// (as -shell's commands) with the library's runner: untimed, in -cwd with
// -env, stdin the null device, under -timeout (a hung -prepare would hang
// a CI job), and their output kept only to show the end of it when one
// fails (with -output inherit it goes to this process's own). The order
// for each command is: setup, then prepare, run, conclude for each warm-up
// and measured run, then cleanup. A failing one (non-zero exit, signal,
// timeout, or cannot start) stops everything with status 1, naming it,
// the run it was for and its status. -conclude still runs after a run that
// failed once its -prepare ran, and -cleanup after any failure once
// -setup ran (hyperfine skips both after a failure), but neither once
// interrupted.
//
// For example
//
//	perfgate-measure -warmup 1 -repeat 5 -timeout 30s -- gzip -kf big.tar
//	perfgate-measure -shell -repeat 10 'sleep 0.1' 'sleep 0.2'
//	perfgate-measure -repeat 5 -parameter-scan level 1 9 -- gzip -k -f -{level} big.tar
//	perfgate-measure -shell -parameter-list cc gcc,clang '{cc} -O2 -c main.c'
//
// # JSON lines
//
// With -json each measured run is printed as one line holding "name" (the
// command's label), "command" (its number, from 1) and "run" (from 1;
// warm-up runs are neither printed nor counted), then the RunResult keys
// exactly as the adapters package marshals them (perfgate's Sample object
// plus the package's own keys). Nothing else is written to standard output
// except, with -host, a first line {"host": {...}} holding the HostInfo:
//
//	perfgate-measure -json -host -repeat 3 -- ./bench
//
// Measuring stops at the first run that fails (cannot start, times out,
// exits non-zero or is killed by a signal), as hyperfine does; that run is
// still printed, the reason goes to standard error (for a non-zero exit
// or a signal followed, as hyperfine's, by the last 10 lines of its stderr
// when captured, and hints: -i, and --show-output when its output went to
// the null device), and no summary, export or receipt is written. With -i (hyperfine's --ignore-failure) a run
// that exits non-zero or is killed by a signal does not stop anything: it
// is reported with its status and counted in the figures, and a warning
// after the summary says how many runs failed; -i=1,2 ignores only those
// exit statuses (and no signal). -i never ignores a run that timed out
// (its wall time is the limit, not the command's, and would bend the
// statistics) nor one that could not start.
//
// Exit status:
//
//	0    every run started, did not time out and exited with status 0
//	     (with -i: every run started and none timed out)
//	1    a run (warm-up or measured) timed out or did not exit with
//	     status 0, or could not be started for a reason other than
//	     those of 126 and 127 (a -cwd that cannot be used, say), a
//	     -setup, -prepare, -conclude or -cleanup command failed, -input
//	     could not be opened, or a file could not be written (checked
//	     before the first run), or the report could not be written to
//	     standard output (a full disk, /dev/full; said on standard
//	     error). A standard output closed at start is the null device
//	     to a Go program (the runtime opens it), so nothing fails there
//	2    usage error: no command, an unknown or malformed flag, a bad -env,
//	     two flags naming one file, a count of runs above a billion;
//	     reported in one line, before anything runs
//	126  the program exists but cannot be executed: no permission, a
//	     directory, an exec format error (as shells and GNU time)
//	127  the program cannot be found (as shells and GNU time); with
//	     -shell a missing command is the shell's exit status 127, a
//	     failed run: status 1
//	129  SIGHUP, 130 SIGINT, 131 SIGQUIT, 143 SIGTERM (128 + the
//	     signal): the running command's process group is killed, with
//	     or without the spawner and in tree scope, and that run is not
//	     reported
//
// -h, -help and --help print the help on standard output and exit 0.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"

	"github.com/perfgate/adapters"
)

// Exit statuses of the command.
const (
	exitOK          = 0
	exitFailed      = 1
	exitUsage       = 2
	exitCannotExec  = 126 // the program exists but cannot be executed
	exitNotFound    = 127 // the program cannot be found
	exitHangUp      = 129 // SIGHUP
	exitInterrupted = 130 // SIGINT
	exitQuit        = 131 // SIGQUIT
	exitTerminated  = 143 // SIGTERM
)

const progName = "perfgate-measure"

// debugPeakEnvKey, when set, makes run write this process's own peak
// resident set size (VmHWM, Linux only) to stderr as its last line:
// "perfgate-measure: debug: VmHWM N KiB". It is for measuring the
// command's own memory (docs/cli.md) and its tests, not in -help.
const debugPeakEnvKey = "PERFGATE_MEASURE_DEBUG_VMHWM"

// reportOwnPeak writes the debugPeakEnvKey line.
func reportOwnPeak(stderr io.Writer) {
	if kib, ok := ownPeakKiB(); ok {
		fmt.Fprintf(stderr, "%s: debug: VmHWM %d KiB\n", progName, kib)
	}
}

func main() {
	os.Exit(runWithSignals(os.Args[1:], os.Stdout, os.Stderr))
}

// runWithSignals is run with endingSignals ending its context, the
// signal as the cause, so that the exit status can tell them apart.
func runWithSignals(args []string, stdout, stderr io.Writer) int {
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, endingSignals...)
	defer signal.Stop(signals)
	go func() {
		select {
		case sig := <-signals:
			// Restore the default handling, so that a second signal
			// ends perfgate-measure at once.
			signal.Stop(signals)
			cancel(interruption{sig})
		case <-ctx.Done():
		}
	}()
	return run(ctx, args, stdout, stderr)
}

// interruption is the cause of the context's end when a signal ended it.
type interruption struct{ sig os.Signal }

func (i interruption) Error() string { return i.sig.String() + " signal received" }

// interruptedStatus is the exit status after ctx ended: 128 + the
// signal's number, as shells report a process a signal ended (129 SIGHUP,
// 130 SIGINT, 131 SIGQUIT, 143 SIGTERM); 130 after a caller's cancel.
func interruptedStatus(ctx context.Context) int {
	var in interruption
	if errors.As(context.Cause(ctx), &in) {
		if code, ok := signalStatus[in.sig]; ok {
			return code
		}
	}
	return exitInterrupted
}

// run is the whole command: it parses args (the command line without the
// program name), measures each command in turn, reporting every run and a
// summary, compares the commands, writes the files asked for, and returns
// the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if _, ok := os.LookupEnv(debugPeakEnvKey); ok {
		defer reportOwnPeak(stderr)
	}
	o, code, ok := parseArgs(args, stdout, stderr)
	if !ok {
		return code
	}
	if o.style == styleNone {
		stdout = io.Discard
	}
	report := &reportWriter{w: stdout}
	code = measureAll(ctx, o, report, stderr, nil)
	if report.err != nil {
		fmt.Fprintf(stderr, "%s: cannot write the report to standard output: %v\n", progName, report.err)
		if code == exitOK {
			code = exitFailed
		}
	}
	return code
}

// reportWriter is standard output, remembering the first write that
// failed (a full disk, a closed descriptor): the report is then lost, and
// the exit status says so.
type reportWriter struct {
	w   io.Writer
	err error
}

func (r *reportWriter) Write(p []byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	n, err := r.w.Write(p)
	if err != nil {
		r.err = err
	}
	return n, err
}

// measureAll measures the commands of o, reports them on stdout and
// writes the files; it returns the exit status. It stops before the next
// command once stdout cannot be written. A non-nil runner runs the
// commands instead of the one the flags configure: the tests' fakes.
func measureAll(ctx context.Context, o options, stdout *reportWriter, stderr io.Writer, runner adapters.ProcessRunner) int {
	s, code := newSession(o, stdout, stderr)
	if s == nil {
		return code
	}
	if runner != nil {
		s.exec = runner
	}
	defer s.close()
	if code := s.checkFiles(); code != exitOK {
		return code
	}
	if code := s.writeHost(); code != exitOK {
		return code
	}
	if code := s.measureShellStartup(ctx); code != exitOK {
		return code
	}
	for i := range s.benches {
		if stdout.err != nil {
			return exitFailed
		}
		if code := s.measure(ctx, &s.benches[i]); code != exitOK {
			return code
		}
	}
	s.writeComparison()
	return s.writeFiles()
}
