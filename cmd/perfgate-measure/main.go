// Command perfgate-measure runs a command and prints what the
// github.com/perfgate/adapters library measured about it: wall time, exit
// status, user and system CPU time, peak resident memory, page faults,
// context switches, block I/O, energy, the size of the program file and how
// much it wrote to stdout and stderr. It takes hyperfine's command lines
// (each argument a command string, -N, -r, -P, --export-json, ...) with
// hyperfine's defaults and exports, and /usr/bin/time's ("-- prog args").
//
// Its manual is one text, perfgate-measure -help: every flag, the command
// forms and their defaults, the output, the exit statuses and examples.
// docs/cli.md explains the concepts, the differences from hyperfine and the
// measurements behind them, with examples; it does not restate the flags.
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
