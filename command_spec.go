package adapters

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/perfgate/adapters/internal/pathlookup"
)

// DefaultOutputCapBytes is the number of bytes captured from each of stdout
// and stderr when CommandSpec.OutputCapBytes is zero.
const DefaultOutputCapBytes = 8192

// CommandSpec describes one command to run. Its zero value is not runnable:
// Argv must name a program.
type CommandSpec struct {
	// Name labels the command in reports (a benchmark name). It is not
	// passed to the program and does not affect how it runs.
	Name string
	// Argv is the program and its arguments, with no shell parsing.
	// Argv[0] is looked up in PATH (the PATH in Env if Env sets one) unless
	// it contains a path separator; a relative path resolves against Cwd.
	Argv []string
	// Cwd is the child's working directory; empty means the caller's.
	Cwd string
	// Env holds variables added to the inherited environment. A later
	// entry replaces an earlier one and the inherited value of the same key.
	Env []EnvVar
	// ClearEnv makes Env the child's whole environment: nothing is
	// inherited (os/exec's non-nil Env). With an empty Env the child gets
	// an empty environment, but on Windows, where SYSTEMROOT is kept as
	// os/exec keeps it, for programs cannot start without it. Argv[0] is
	// still looked up in the caller's PATH when Env sets none, as os/exec
	// does.
	ClearEnv bool
	// Timeout is the run's deadline, measured from the start of the
	// program. Zero means none; negative is an error.
	Timeout time.Duration
	// OutputCapBytes bounds how many bytes of each of stdout and stderr
	// are kept: 0 means DefaultOutputCapBytes, a negative value keeps
	// nothing. Output past the cap is still read (and counted), so the
	// child never blocks on a full pipe.
	OutputCapBytes int
	// Stdin is the command's standard input. Nil means the null device,
	// as os/exec does. An *os.File is handed to the child as it is, with
	// no copy, so a file input costs nothing while the clock runs; a nil
	// or closed *os.File is an ErrInvalidSpec error before anything
	// starts. Any other reader is copied into a pipe by a goroutine, and
	// the copy stops when the command exits (what it did not read is left
	// unread).
	//
	// When the reader returns an error other than io.EOF, the command
	// reads end of file there, and Run returns the complete result with
	// an *AdapterError of kind KindStdinRead (ErrStdinRead) wrapping the
	// reader's error, as os/exec's Wait does; Notes["stdin"] says the
	// same. It counts only if it came before the command's exit was seen.
	// A write that fails because the command exited or closed its stdin
	// (EPIPE) is no error. Run does not wait for a Read blocked in the
	// reader: the goroutine ends when that Read returns, and what it
	// returns is then dropped. A reader that panics does so on that
	// goroutine, which does not recover, so the program dies, as with
	// os/exec.
	Stdin io.Reader
	// Output says where the command's stdout and stderr go: captured (the
	// zero value, OutputCapture), straight to the caller's own stdout and
	// stderr (OutputInherit), or to the null device (OutputDiscard).
	Output OutputMode
}

// OutputMode says where a command's standard output and standard error go.
type OutputMode string

const (
	// OutputCapture reads each stream through a pipe, keeps its first
	// OutputCapBytes bytes and counts the rest. The empty OutputMode means
	// OutputCapture.
	OutputCapture OutputMode = "capture"
	// OutputInherit gives the command the caller's own stdout and stderr
	// (os.Stdout and os.Stderr), as hyperfine's --output=inherit does: a
	// build's progress shows as it is measured. Nothing is captured or
	// counted: RunResult.Stdout and Stderr are empty, the totals nil.
	OutputInherit OutputMode = "inherit"
	// OutputDiscard sends both streams to the null device: no pipe, the
	// cheapest run. Nothing is captured or counted, as with OutputInherit.
	OutputDiscard OutputMode = "discard"
)

// EnvVar is one environment variable.
type EnvVar struct {
	Key, Value string
}

// effectiveOutputCap returns the number of bytes to keep per stream.
func (s *CommandSpec) effectiveOutputCap() int {
	switch {
	case s.OutputCapBytes == 0:
		return DefaultOutputCapBytes
	case s.OutputCapBytes < 0:
		return 0
	default:
		return s.OutputCapBytes
	}
}

// validate rejects what can never run, before anything is started.
func (s *CommandSpec) validate() error {
	if len(s.Argv) == 0 || s.Argv[0] == "" {
		return newError(KindEmptyArgv, s.Argv, "", nil)
	}
	invalid := func(reason string) error { return newError(KindInvalidSpec, s.Argv, reason, nil) }
	for i, arg := range s.Argv {
		if strings.IndexByte(arg, 0) >= 0 {
			if i == 0 {
				return invalid("program name contains a NUL byte")
			}
			return invalid("argument " + itoa(i) + " contains a NUL byte")
		}
	}
	if strings.IndexByte(s.Cwd, 0) >= 0 {
		return invalid("working directory contains a NUL byte")
	}
	for _, kv := range s.Env {
		switch {
		case kv.Key == "":
			return invalid("environment key is empty")
		case strings.IndexByte(kv.Key, '=') >= 0:
			return invalid("environment key " + quote(kv.Key) + " contains '='")
		case strings.IndexByte(kv.Key, 0) >= 0:
			return invalid("environment key " + quote(kv.Key) + " contains a NUL byte")
		case strings.IndexByte(kv.Value, 0) >= 0:
			return invalid("value of environment variable " + quote(kv.Key) + " contains a NUL byte")
		}
	}
	if s.Timeout < 0 {
		return invalid("negative timeout " + s.Timeout.String())
	}
	switch s.Output {
	case "", OutputCapture, OutputInherit, OutputDiscard:
	default:
		return invalid("unknown output mode " + quote(string(s.Output)))
	}
	if f, ok := s.Stdin.(*os.File); ok {
		if reason, err := checkStdinFile(f); err != nil {
			return newError(KindInvalidSpec, s.Argv, reason, err)
		}
	}
	return nil
}

// mergeEnv returns base (KEY=VALUE strings, as os.Environ gives them) with
// extra applied on top: a later entry replaces an earlier one of the same
// key, and each key of extra appears once, so the child's getenv cannot
// see a stale duplicate. foldCase compares keys case-insensitively, as
// Windows does.
func mergeEnv(base []string, extra []EnvVar, foldCase bool) []string {
	if len(extra) == 0 {
		return base
	}
	normalize := func(key string) string { return envKey(key, foldCase) }
	override := make(map[string]string, len(extra))
	order := make([]string, 0, len(extra))
	for _, kv := range extra {
		k := normalize(kv.Key)
		if _, seen := override[k]; !seen {
			order = append(order, k)
		}
		override[k] = kv.Key + "=" + kv.Value
	}
	merged := make([]string, 0, len(base)+len(extra))
	for _, entry := range base {
		key, _, _ := strings.Cut(entry, "=")
		// Windows keeps per-drive entries such as "=C:=C:\\" whose key
		// starts with '='; they are kept as they are.
		if key == "" {
			merged = append(merged, entry)
			continue
		}
		if _, replaced := override[normalize(key)]; replaced {
			continue
		}
		merged = append(merged, entry)
	}
	for _, k := range order {
		merged = append(merged, override[k])
	}
	return merged
}

// lookupEnv returns the value of key in env (KEY=VALUE strings), the last
// occurrence winning.
func lookupEnv(env []string, key string, foldCase bool) (string, bool) {
	for i := len(env) - 1; i >= 0; i-- {
		k, v, ok := strings.Cut(env[i], "=")
		if !ok {
			continue
		}
		if envKey(k, foldCase) == envKey(key, foldCase) {
			return v, true
		}
	}
	return "", false
}

// envKey is the form in which keys are compared: upper case where the
// platform folds case, so that mergeEnv and lookupEnv agree.
func envKey(key string, foldCase bool) string {
	if foldCase {
		return strings.ToUpper(key)
	}
	return key
}

// envFoldsCase reports whether environment keys are case-insensitive here.
const envFoldsCase = runtime.GOOS == "windows"

// childEnv is the environment the child gets: ours plus spec.Env, or
// with ClearEnv spec.Env alone (never nil: a nil environment would be
// inherited by os/exec and on Windows).
func childEnv(spec *CommandSpec) []string {
	if !spec.ClearEnv {
		return mergeEnv(os.Environ(), spec.Env, envFoldsCase)
	}
	env := mergeEnv([]string{}, spec.Env, envFoldsCase)
	if env == nil || len(spec.Env) == 0 {
		env = []string{}
	}
	if runtime.GOOS == "windows" {
		// As os/exec does: without SYSTEMROOT many Windows programs
		// cannot start (Winsock, the C runtime).
		if _, ok := lookupEnv(env, "SYSTEMROOT", true); !ok {
			if root, ok := os.LookupEnv("SYSTEMROOT"); ok {
				env = append(env, "SYSTEMROOT="+root)
			}
		}
	}
	return env
}

// resolve finds the program the child will execute and checks the working
// directory, so that these failures get precise errors before any spawn.
func resolve(spec *CommandSpec, env []string) (pathlookup.Program, error) {
	if spec.Cwd != "" {
		info, err := os.Stat(spec.Cwd)
		if err != nil {
			return pathlookup.Program{}, newError(KindRunCommand, spec.Argv, "cannot use working directory", err)
		}
		if !info.IsDir() {
			return pathlookup.Program{}, newError(KindRunCommand, spec.Argv, "working directory is not a directory",
				&fs.PathError{Op: "chdir", Path: spec.Cwd, Err: syscall.ENOTDIR})
		}
	}
	getenv := func(key string) (string, bool) {
		v, ok := lookupEnv(env, key, envFoldsCase)
		if !ok && spec.ClearEnv {
			// As os/exec's LookPath: the caller's PATH finds the program
			// when the child's environment has none.
			return os.LookupEnv(key)
		}
		return v, ok
	}
	prog, err := pathlookup.Lookup(spec.Argv[0], spec.Cwd, getenv)
	if err != nil {
		var failure *pathlookup.Failure
		if errors.As(err, &failure) {
			return prog, newError(KindRunCommand, spec.Argv, failure.Reason, failure.Err)
		}
		return prog, newError(KindRunCommand, spec.Argv, "cannot resolve program", err)
	}
	return prog, nil
}

// checkStdinFile says what makes f unusable as a child's stdin, if
// anything: a nil or closed *os.File would otherwise give the child a
// closed descriptor 0, or make the spawner refuse it, depending on the
// path. The error is os.ErrInvalid or os.ErrClosed.
func checkStdinFile(f *os.File) (reason string, err error) {
	if f == nil {
		return "Stdin is a nil *os.File", os.ErrInvalid
	}
	closed := false
	if runtime.GOOS == "plan9" {
		// plan9's RawConn does nothing; its Fd has no side effect.
		closed = f.Fd() == ^uintptr(0)
	} else if rc, err := f.SyscallConn(); err != nil || rc.Control(func(uintptr) {}) != nil {
		closed = true
	}
	if closed {
		return "Stdin is a closed *os.File (" + quote(f.Name()) + ")", os.ErrClosed
	}
	return "", nil
}
