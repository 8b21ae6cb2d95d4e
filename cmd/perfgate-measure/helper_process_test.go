package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/perfgate/adapters/internal/testcap"
	"github.com/stretchr/testify/require"
)

// The helper-process pattern of os/exec's tests: the test binary runs
// itself as the measured command, and TestMain, seeing helperEnvKey in its
// environment (set through perfgate-measure's own -env flag), runs the
// named helper instead of the tests.
const helperEnvKey = "PERFGATE_MEASURE_TEST_HELPER"

var helpers = map[string]func(args []string) int{
	// write N M writes N bytes 'o' to stdout and M bytes 'e' to stderr.
	"write": func(args []string) int {
		if len(args) != 2 {
			return 2
		}
		for i, w := range []*os.File{os.Stdout, os.Stderr} {
			n, err := strconv.Atoi(args[i])
			if err != nil {
				return 2
			}
			if _, err := w.Write(bytes.Repeat([]byte{"oe"[i]}, n)); err != nil {
				return 3
			}
		}
		return 0
	},
	// exit N exits with the status N, writing nothing.
	"exit": func(args []string) int {
		if len(args) != 1 {
			return 125
		}
		n, err := strconv.Atoi(args[0])
		if err != nil {
			return 125
		}
		return n
	},
	// sleep D sleeps for the duration D, for a run cut short by a timeout
	// (a test never waits for it to end: it waits for the kill).
	"sleep": func(args []string) int {
		d, err := time.ParseDuration(args[0])
		if err != nil {
			return 2
		}
		time.Sleep(d)
		return 0
	},
	// append FILE WORD appends the line WORD to FILE: a log of the runs.
	"append": func(args []string) int {
		if len(args) != 2 {
			return 2
		}
		if err := appendLine(args[0], args[1]); err != nil {
			return 3
		}
		return 0
	},
	// flip-flop FILE counts its runs in FILE, a line each, and exits 0 on
	// its first, third, ... run and 1 on the others.
	"flip-flop": func(args []string) int {
		data, err := os.ReadFile(args[0])
		if err != nil && !os.IsNotExist(err) {
			return 3
		}
		if err := appendLine(args[0], "x"); err != nil {
			return 3
		}
		return bytes.Count(data, []byte("\n")) % 2
	},
	// stderr-lines N STATUS writes "line 1" to "line N" to stderr, a line
	// each, then exits with STATUS.
	"stderr-lines": func(args []string) int {
		n, err1 := strconv.Atoi(args[0])
		status, err2 := strconv.Atoi(args[1])
		if err1 != nil || err2 != nil {
			return 125
		}
		for i := 1; i <= n; i++ {
			fmt.Fprintf(os.Stderr, "line %d\n", i)
		}
		return status
	},
	// kill-self kills its own process with os.Kill: SIGKILL on Unix.
	"kill-self": func([]string) int {
		p, err := os.FindProcess(os.Getpid())
		if err != nil {
			return 3
		}
		if err := p.Kill(); err != nil {
			return 3
		}
		time.Sleep(time.Hour)
		return 4
	},
	// slow-first FILE D sleeps for the duration D unless FILE exists, and
	// makes FILE: only the first of its runs is slow.
	"slow-first": func(args []string) int {
		if _, err := os.Stat(args[0]); err == nil {
			return 0
		}
		if err := os.WriteFile(args[0], nil, 0o644); err != nil {
			return 3
		}
		d, err := time.ParseDuration(args[1])
		if err != nil {
			return 2
		}
		time.Sleep(d)
		return 0
	},
	// echo ARGS... prints its arguments, separated by spaces.
	"echo": func(args []string) int {
		fmt.Println(strings.Join(args, " "))
		return 0
	},
	// pwd prints the working directory.
	"pwd": func([]string) int {
		dir, err := os.Getwd()
		if err != nil {
			return 3
		}
		fmt.Println(dir)
		return 0
	},
	// alloc N touches N MiB, so that its peak memory exceeds the test
	// process's own and is reported (see the adapters README on max_rss_kb).
	"alloc": func(args []string) int {
		n, err := strconv.Atoi(args[0])
		if err != nil {
			return 2
		}
		b := make([]byte, n<<20)
		for i := 0; i < len(b); i += 4096 {
			b[i] = 1
		}
		return 0
	},
	// pid-sleep D writes its process id to the file named by readyEnvKey,
	// then sleeps for the duration D.
	"pid-sleep": func(args []string) int { return readySleep(args, strconv.Itoa(os.Getpid())) },
	// stdout-is-null exits 0 when its stdout is the null device, else 1.
	// The types must match too: on Windows, NUL and a pipe have no file
	// index, and os.SameFile holds them the same.
	"stdout-is-null": func([]string) int {
		null, err := os.Stat(os.DevNull)
		if err != nil {
			return 3
		}
		out, err := os.Stdout.Stat()
		if err != nil || out.Mode().Type() != null.Mode().Type() || !os.SameFile(null, out) {
			return 1
		}
		return 0
	},
	// getenv KEY prints the value of KEY.
	"getenv": func(args []string) int {
		fmt.Println(os.Getenv(args[0]))
		return 0
	},
	// cat copies standard input to standard output.
	"cat": func([]string) int {
		if _, err := io.Copy(os.Stdout, os.Stdin); err != nil {
			return 3
		}
		return 0
	},
	// ready-sleep D creates the file named by readyEnvKey, then sleeps
	// for the duration D.
	"ready-sleep": func(args []string) int { return readySleep(args, "ready\n") },
	// await-release FIFO blocks until the test opens FIFO for writing and
	// closes it: the run lasts until the test has seen what it waits for.
	"await-release": func(args []string) int {
		f, err := os.Open(args[0])
		if err != nil {
			return 3
		}
		defer f.Close()
		if _, err := io.Copy(io.Discard, f); err != nil {
			return 3
		}
		return 0
	},
}

func init() {
	// do NAME ARGS... runs the helper NAME with ARGS: one environment
	// (perfgate-measure's -env goes to the commands and to their hooks
	// alike) then serves several helpers.
	helpers["do"] = func(args []string) int {
		if len(args) == 0 {
			return 2
		}
		helper, found := helpers[args[0]]
		if !found {
			fmt.Fprintf(os.Stderr, "no test helper %q\n", args[0])
			return 2
		}
		return helper(args[1:])
	}
}

// appendLine appends line and a newline to the file at path.
func appendLine(path, line string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(line + "\n"); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// readyEnvKey names the file a helper creates once it runs, for a test
// that must act while the helper runs and not before: the test waits for
// the file (awaitReadyFile), never for a fixed time.
const readyEnvKey = "PERFGATE_MEASURE_TEST_READY"

// readySleep writes content to the file named by readyEnvKey (written
// beside it and renamed into place, so that it appears at once), then
// sleeps for the duration args[0]: a helper that runs until killed.
func readySleep(args []string, content string) int {
	d, err := time.ParseDuration(args[0])
	if err != nil {
		return 2
	}
	path := os.Getenv(readyEnvKey)
	if path == "" {
		fmt.Fprintf(os.Stderr, "%s is not set\n", readyEnvKey)
		return 3
	}
	if err := os.WriteFile(path+".tmp", []byte(content), 0o644); err != nil {
		return 3
	}
	if err := os.Rename(path+".tmp", path); err != nil {
		return 3
	}
	time.Sleep(d)
	return 0
}

// awaitReadyFile waits until the file at path exists, and reports
// whether it does: false when stop is closed first (the run ended) or
// after a deadline far longer than any helper takes to start.
func awaitReadyFile(path string, stop <-chan struct{}) bool {
	ticker := time.NewTicker(2 * time.Millisecond)
	defer ticker.Stop()
	deadline := time.NewTimer(2 * time.Minute)
	defer deadline.Stop()
	for {
		if _, err := os.Stat(path); err == nil {
			return true
		}
		select {
		case <-stop:
			_, err := os.Stat(path)
			return err == nil
		case <-deadline.C:
			return false
		case <-ticker.C:
		}
	}
}

// cliEnvKey in the environment makes the test binary run perfgate-measure
// itself, as main does (signals included), for the tests that need it as a
// process of its own.
const cliEnvKey = "PERFGATE_MEASURE_TEST_CLI"

func TestMain(m *testing.M) {
	testcap.RunHelper(helperEnvKey, helpers)
	if _, ok := os.LookupEnv(cliEnvKey); ok {
		os.Exit(runWithSignals(os.Args[1:], os.Stdout, os.Stderr))
	}
	// Every helper and CLI this binary re-runs inherits it.
	os.Setenv("GORACE", testcap.ChildGORACE())
	os.Exit(m.Run())
}

// helperArgs returns perfgate-measure arguments running helper with args,
// after flags.
func helperArgs(t *testing.T, helper string, flags []string, args ...string) []string {
	t.Helper()
	exe, err := os.Executable()
	require.NoError(t, err)
	out := append([]string{"-env", helperEnvKey + "=" + helper}, flags...)
	out = append(out, "--", exe)
	return append(out, args...)
}

// helperExe returns the test binary's path, the program helperArgs runs:
// for a test that writes the command line itself (-N's words, an argv in
// an error message).
func helperExe(t *testing.T) string {
	t.Helper()
	exe, err := os.Executable()
	require.NoError(t, err)
	return exe
}

// helperCommand returns a command string running the helper given by
// helperEnvKey (set with -env; "do" picks one by its first argument) with
// args through the platform's shell: /bin/sh -c, or cmd.exe /C on
// Windows. It is for what perfgate-measure runs through the shell as
// hyperfine does (-setup, -prepare, -conclude and -cleanup, the command
// strings of the default form and of -shell), in tests whose point is
// not the shell. A word the shell would read (a path with a space) skips
// the test: no quoting reads the same in sh and in cmd.exe /C.
func helperCommand(t *testing.T, args ...string) string {
	t.Helper()
	words := append([]string{helperExe(t)}, args...)
	special := " \t\n'\"`$\\;&|<>()*?[]#~!%^"
	if runtime.GOOS == "windows" {
		special = " \t\n\"%^&|<>()!"
	}
	for _, w := range words {
		if w == "" || strings.ContainsAny(w, special) {
			t.Skipf("%q holds a character the shell reads (one of %q): the test runs it through the shell", w, special)
		}
	}
	return strings.Join(words, " ")
}
