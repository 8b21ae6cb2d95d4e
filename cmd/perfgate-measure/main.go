// Command perfgate-measure runs a command and prints what the
// github.com/perfgate/adapters library measured about it: wall time, exit
// status, user and system CPU time, peak resident memory, page faults,
// context switches, block I/O, energy, the size of the program file and how
// much it wrote to stdout and stderr. It is a small front end to
// adapters.StdProcessRunner, much like a compact /usr/bin/time -v.
//
// Usage:
//
//	perfgate-measure [flags] -- prog [args...]
//
// The command is run directly, without a shell; prog is looked up in PATH
// unless it contains a path separator. Flags end at prog, so the "--" is
// optional; it is needed only when prog's name starts with '-'. Run
// "perfgate-measure -help" for the flags: -timeout, -output-cap, -repeat,
// -warmup (runs that are done and discarded), -cwd, -env, -name, -json,
// -host, -hostname-hash, -show-output, and -tree with -cgroup-parent (measure
// the whole process tree in a cgroup v2 on Linux; each figure then says
// whether it covers the tree or fell back to the process).
//
// For example
//
//	perfgate-measure -warmup 1 -repeat 5 -timeout 30s -- gzip -kf big.tar
//
// runs gzip once without reporting it, then five times, printing a table
// for each of the five runs and a min / median / max summary of wall time,
// CPU time and peak memory. A figure the platform cannot give is shown as
// "n/a", never as 0.
//
// With -json each run is printed as one line holding the RunResult JSON
// exactly as the adapters package marshals it (perfgate's Sample object plus
// the package's own keys), and nothing else is written to standard output
// except, with -host, a first line holding the HostInfo JSON:
//
//	perfgate-measure -json -host -repeat 3 -- ./bench
//
// Measuring stops at the first run that fails (cannot start, times out,
// exits non-zero or is killed by a signal), as hyperfine does; that run is
// still printed, the reason goes to standard error and no summary is
// printed.
//
// Exit status:
//
//	0    every run started, did not time out and exited with status 0
//	1    a run (warm-up or measured) failed to start, timed out or did
//	     not exit with status 0
//	2    usage error: no command, an unknown or malformed flag, a bad -env
//	130  interrupted (SIGINT or SIGTERM): the running command's process
//	     group is killed and that run is not reported
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/perfgate/adapters"
)

// Exit statuses of the command.
const (
	exitOK          = 0
	exitFailed      = 1
	exitUsage       = 2
	exitInterrupted = 130
)

const progName = "perfgate-measure"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		// After the first signal, restore the default handling so that a
		// second one ends perfgate-measure at once.
		<-ctx.Done()
		stop()
	}()
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// options holds the parsed command line.
type options struct {
	timeout      time.Duration
	outputCap    int
	repeat       int
	warmup       int
	cwd          string
	env          envFlag
	name         string
	json         bool
	host         bool
	hostnameHash bool
	showOutput   bool
	tree         bool
	cgroupParent string
	argv         []string
}

// envFlag collects repeated -env KEY=VALUE flags.
type envFlag []adapters.EnvVar

func (e *envFlag) String() string {
	if e == nil {
		return ""
	}
	parts := make([]string, len(*e))
	for i, kv := range *e {
		parts[i] = kv.Key + "=" + kv.Value
	}
	return strings.Join(parts, " ")
}

func (e *envFlag) Set(s string) error {
	key, value, ok := strings.Cut(s, "=")
	switch {
	case !ok:
		return errors.New("want KEY=VALUE")
	case key == "":
		return errors.New("empty variable name in KEY=VALUE")
	}
	*e = append(*e, adapters.EnvVar{Key: key, Value: value})
	return nil
}

// parseArgs parses args (without the program name). When it returns false
// the command must exit with the returned status: exitUsage after an error
// (already reported on stderr), exitOK after -help.
func parseArgs(args []string, stderr io.Writer) (options, int, bool) {
	var o options
	fs := flag.NewFlagSet(progName, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.DurationVar(&o.timeout, "timeout", 0,
		"kill the command's whole process group after `duration` (e.g. 500ms, 2m);\n"+
			"a run that reaches it counts as failed. 0 means no limit")
	fs.IntVar(&o.outputCap, "output-cap", 0,
		"`bytes` of each of stdout and stderr to keep; the rest is read and counted,\n"+
			fmt.Sprintf("not kept. 0 means the library default (%d), negative keeps nothing", adapters.DefaultOutputCapBytes))
	fs.IntVar(&o.repeat, "repeat", 1,
		"run the command `n` times, printing each run and, when n > 1, a\n"+
			"min / median / max summary in text mode")
	fs.IntVar(&o.warmup, "warmup", 0,
		"first run the command `n` times without reporting those runs (to warm\n"+
			"caches); a failing warm-up run still stops everything with status 1")
	fs.StringVar(&o.cwd, "cwd", "", "run the command in `dir` instead of the current directory")
	fs.Var(&o.env, "env",
		"add `KEY=VALUE` to the command's inherited environment, replacing an\n"+
			"inherited KEY; repeat the flag for more variables, a later one wins")
	fs.StringVar(&o.name, "name", "", "`label` shown in each run's heading (not passed to the command)")
	fs.BoolVar(&o.json, "json", false,
		"print one JSON object per run per line, as adapters.RunResult marshals,\n"+
			"instead of tables; no summary is printed")
	fs.BoolVar(&o.host, "host", false,
		"also describe the host (OS, architecture, CPUs, memory): a table first,\n"+
			"or with -json a first line holding the adapters.HostInfo JSON")
	fs.BoolVar(&o.hostnameHash, "hostname-hash", false,
		"include the SHA-256 of the hostname (never the name itself) in the host\n"+
			"description; implies -host")
	fs.BoolVar(&o.showOutput, "show-output", false,
		"print the captured stdout and stderr after each run's table (text mode;\n"+
			"with -json they are in the JSON already)")
	fs.BoolVar(&o.tree, "tree", false,
		"measure the whole process tree (Linux cgroup v2, see the adapters README):\n"+
			"orphans and daemons count, and are killed at the end; each figure says\n"+
			"whether it covers the tree or fell back to the process")
	fs.StringVar(&o.cgroupParent, "cgroup-parent", "",
		"with -tree, the cgroup v2 `directory` under which each run's cgroup is made\n"+
			"(default: this process's own cgroup)")
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintf(w, "usage: %s [flags] -- prog [args...]\n\n", progName)
		fmt.Fprint(w, "Runs prog (without a shell) and prints what was measured: wall time, exit\n"+
			"status, CPU time, peak memory, page faults, context switches, block I/O,\n"+
			"energy and output sizes. Figures the platform cannot give show as n/a.\n"+
			"Measuring stops at the first run that fails (cannot start, times out,\n"+
			"exits non-zero or is killed by a signal); that run is still printed.\n\n"+
			"Flags:\n")
		fs.PrintDefaults()
		fmt.Fprint(w, "\nExit status: 0 when every run exited 0; 1 when a run failed to start,\n"+
			"timed out or did not exit 0; 2 for a usage error; 130 when interrupted.\n\n"+
			"Example:\n"+
			"  "+progName+" -warmup 1 -repeat 5 -timeout 30s -- gzip -kf big.tar\n")
	}

	usageError := func(format string, a ...any) (options, int, bool) {
		fmt.Fprintf(stderr, "%s: %s\n", progName, fmt.Sprintf(format, a...))
		fmt.Fprintf(stderr, "usage: %s [flags] -- prog [args...]  (see -help)\n", progName)
		return o, exitUsage, false
	}

	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return o, exitOK, false
		}
		// The flag package has reported the error and the usage.
		return o, exitUsage, false
	}
	o.argv = fs.Args()
	if o.hostnameHash {
		o.host = true
	}
	switch {
	case len(o.argv) == 0:
		return usageError("no command to run")
	case o.argv[0] == "":
		return usageError("empty program name")
	case o.timeout < 0:
		return usageError("negative -timeout %v", o.timeout)
	case o.repeat < 1:
		return usageError("-repeat must be at least 1, not %d", o.repeat)
	case o.warmup < 0:
		return usageError("-warmup must not be negative, not %d", o.warmup)
	}
	return o, exitOK, true
}

// run is the whole command: it parses args (the command line without the
// program name), runs and reports, and returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, code, ok := parseArgs(args, stderr)
	if !ok {
		return code
	}
	spec := adapters.CommandSpec{
		Name:           o.name,
		Argv:           o.argv,
		Cwd:            o.cwd,
		Env:            o.env,
		Timeout:        o.timeout,
		OutputCapBytes: o.outputCap,
	}
	runner := adapters.StdProcessRunner{CgroupParent: o.cgroupParent}
	if o.tree {
		runner.Scope = adapters.ScopeTree
	}
	blocks := 0 // text blocks written so far, to separate them
	startBlock := func() {
		if blocks > 0 {
			fmt.Fprintln(stdout)
		}
		blocks++
	}

	if o.host {
		info := adapters.StdHostProbe{}.Probe(adapters.HostProbeOptions{IncludeHostnameHash: o.hostnameHash})
		if o.json {
			if err := writeJSONLine(stdout, info); err != nil {
				fmt.Fprintf(stderr, "%s: %v\n", progName, err)
				return exitFailed
			}
		} else {
			startBlock()
			writeHostTable(stdout, &info, o.hostnameHash)
		}
	}

	for i := range o.warmup {
		label := fmt.Sprintf("warm-up run %d/%d", i+1, o.warmup)
		result, err := runner.Run(ctx, spec)
		if err != nil {
			return runFailure(ctx, stderr, label, err)
		}
		if err := result.Err(spec.Argv); err != nil {
			fmt.Fprintf(stderr, "%s: %s: %v\n", progName, label, err)
			return exitFailed
		}
	}

	results := make([]adapters.RunResult, 0, o.repeat)
	for i := range o.repeat {
		label := fmt.Sprintf("run %d/%d", i+1, o.repeat)
		result, err := runner.Run(ctx, spec)
		if err != nil {
			return runFailure(ctx, stderr, label, err)
		}
		if o.json {
			if err := writeJSONLine(stdout, result); err != nil {
				fmt.Fprintf(stderr, "%s: %v\n", progName, err)
				return exitFailed
			}
		} else {
			startBlock()
			writeRunTable(stdout, runHeading(label, o.name, spec.Argv), &result)
			if o.showOutput {
				writeCapturedOutput(stdout, &result)
			}
		}
		if err := result.Err(spec.Argv); err != nil {
			fmt.Fprintf(stderr, "%s: %s: %v\n", progName, label, err)
			if i+1 < o.repeat {
				fmt.Fprintf(stderr, "%s: stopped after %s; no summary\n", progName, label)
			}
			return exitFailed
		}
		results = append(results, result)
	}

	if !o.json && len(results) > 1 {
		startBlock()
		writeSummary(stdout, results)
	}
	return exitOK
}

// runFailure reports an error returned by Run and returns the exit status
// for it.
func runFailure(ctx context.Context, stderr io.Writer, label string, err error) int {
	switch {
	case ctx.Err() != nil:
		fmt.Fprintf(stderr, "%s: interrupted (%v) during %s, which is not reported: %v\n",
			progName, context.Cause(ctx), label, err)
		return exitInterrupted
	case errors.Is(err, adapters.ErrInvalidSpec), errors.Is(err, adapters.ErrEmptyArgv):
		fmt.Fprintf(stderr, "%s: %v\n", progName, err)
		return exitUsage
	default:
		fmt.Fprintf(stderr, "%s: %s: %v\n", progName, label, err)
		return exitFailed
	}
}
