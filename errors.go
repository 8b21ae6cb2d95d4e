package adapters

import (
	"errors"
	"io/fs"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Sentinel errors. Every error returned by a ProcessRunner in this package
// matches exactly one of them with errors.Is.
var (
	// ErrEmptyArgv reports a CommandSpec whose Argv is empty or whose
	// program name (Argv[0]) is the empty string.
	ErrEmptyArgv = errors.New("empty argv")

	// ErrInvalidSpec reports a CommandSpec that can never run: an
	// environment key that is empty or contains '=', a NUL byte in an
	// argument, an environment entry or the working directory, a negative
	// timeout, an unknown Output, a nil or closed *os.File as Stdin
	// (wrapping os.ErrInvalid or os.ErrClosed); or a StdProcessRunner
	// whose Scope is none of the Scope constants. It is returned before
	// anything is started.
	ErrInvalidSpec = errors.New("invalid command spec")

	// ErrRunCommand reports that the command never started (or, rarely,
	// could not be waited for): the program is missing, not executable or
	// a directory, the working directory is missing, the operating system
	// refused, or the context had ended before the start (the error then
	// wraps ctx.Err()). The *AdapterError carrying it wraps the underlying
	// error, so errors.Is(err, fs.ErrNotExist), errors.Is(err,
	// exec.ErrNotFound) or errors.Is(err, context.Canceled) also hold
	// where they apply. Nothing was measured.
	ErrRunCommand = errors.New("failed to run command")

	// ErrKilled reports a command that started and was killed because the
	// context ended during the run. The *AdapterError carrying it wraps
	// ctx.Err(), so errors.Is(err, context.Canceled) or errors.Is(err,
	// context.DeadlineExceeded) also holds; Run returns it with what was
	// measured up to the kill. A run stopped at CommandSpec.Timeout is not
	// an error from Run (see ErrTimeout).
	ErrKilled = errors.New("command killed: context ended")

	// ErrTimeout reports a run that was stopped at its deadline. Runners
	// never return it from Run (a timed-out run is a sample with
	// RunResult.TimedOut set); RunResult.Err returns it for callers that
	// treat a timeout as a failure.
	ErrTimeout = errors.New("command timed out")

	// ErrNonZeroExit reports a run that finished with a non-zero exit code
	// or was killed by a signal. Runners never return it from Run;
	// RunResult.Err returns it for callers that treat that as a failure.
	ErrNonZeroExit = errors.New("command exited unsuccessfully")

	// ErrStdinRead reports a CommandSpec.Stdin reader that returned an
	// error other than io.EOF before the command exited: the command read
	// end of file where the reader failed, so it ran on input cut short.
	// Run returns it together with the complete result, as os/exec's Wait
	// returns a copy error after the process was reaped; the
	// *AdapterError carrying it wraps the reader's error.
	ErrStdinRead = errors.New("reading stdin failed")
)

// ErrorKind classifies an AdapterError. Each kind corresponds to one of the
// sentinel errors of this package.
type ErrorKind int

// The kinds of AdapterError.
const (
	KindRunCommand ErrorKind = iota
	KindEmptyArgv
	KindInvalidSpec
	KindTimeout
	_ // 4 was KindTimeoutUnsupported: every platform that runs commands enforces a Timeout
	KindNonZeroExit
	KindStdinRead
	KindKilled
)

// Sentinel returns the sentinel error of the kind (ErrRunCommand for
// KindRunCommand, and so on).
func (k ErrorKind) Sentinel() error {
	switch k {
	case KindEmptyArgv:
		return ErrEmptyArgv
	case KindInvalidSpec:
		return ErrInvalidSpec
	case KindTimeout:
		return ErrTimeout
	case KindNonZeroExit:
		return ErrNonZeroExit
	case KindStdinRead:
		return ErrStdinRead
	case KindKilled:
		return ErrKilled
	default:
		return ErrRunCommand
	}
}

// String returns the kind's sentinel message.
func (k ErrorKind) String() string { return k.Sentinel().Error() }

// AdapterError is the detailed error of this package. Use errors.As to get
// at it and errors.Is with a sentinel (ErrRunCommand, ErrInvalidSpec, ...)
// to classify it; errors.Is also sees through to Err.
type AdapterError struct {
	// Kind says which sentinel error this is.
	Kind ErrorKind
	// Command is the command line, Argv joined with spaces as perfgate
	// reports it. Empty when Argv was empty. Error quotes at most its
	// first 256 bytes.
	Command string
	// Reason says in words what went wrong ("program not found in PATH",
	// "environment key contains '='", ...).
	Reason string
	// Err is the underlying error (from the operating system, the context,
	// ...) or nil.
	Err error
}

// Error formats the error as "kind: command: reason: underlying error",
// leaving out the parts that are empty.
func (e *AdapterError) Error() string {
	var b strings.Builder
	b.WriteString(e.Kind.String())
	for _, part := range []string{quoteCommand(e.Command), e.Reason} {
		if part != "" {
			b.WriteString(": ")
			b.WriteString(part)
		}
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the underlying error.
func (e *AdapterError) Unwrap() error { return e.Err }

// Is reports whether target is the sentinel of e's kind.
func (e *AdapterError) Is(target error) bool { return target == e.Kind.Sentinel() }

// maxQuotedBytes bounds what an error message quotes of a command line or
// a spec's value: an argument of megabytes must not make a message of
// megabytes.
const maxQuotedBytes = 256

func quoteCommand(command string) string {
	if command == "" {
		return ""
	}
	return "[" + clip(command) + "]"
}

// clip returns s cut to at most maxQuotedBytes bytes (at a character
// boundary), saying how many bytes were left out.
func clip(s string) string {
	if len(s) <= maxQuotedBytes {
		return s
	}
	cut := maxQuotedBytes
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "... (" + strconv.Itoa(len(s)-cut) + " more bytes)"
}

func newError(kind ErrorKind, argv []string, reason string, err error) *AdapterError {
	return &AdapterError{Kind: kind, Command: strings.Join(argv, " "), Reason: reason, Err: err}
}

func itoa(i int) string { return strconv.Itoa(i) }

func quote(s string) string { return strconv.Quote(clip(s)) }

// startError reports a failed spawn of path.
func startError(spec *CommandSpec, path string, err error) error {
	return newError(KindRunCommand, spec.Argv, "cannot start program", &fs.PathError{Op: "exec", Path: path, Err: err})
}

// pipesError reports a failure to set up the child's standard streams.
func pipesError(spec *CommandSpec, err error) error {
	return newError(KindRunCommand, spec.Argv, "cannot set up standard streams", err)
}

// waitError reports a failure to learn of the child's exit.
func waitError(spec *CommandSpec, err error) error {
	return newError(KindRunCommand, spec.Argv, "cannot wait for program", err)
}

// signalName names a signal for error messages ("signal 9 (killed)").
func signalName(sig int) string {
	if d := signalDescription(sig); d != "" {
		return "signal " + itoa(sig) + " (" + d + ")"
	}
	return "signal " + itoa(sig)
}
