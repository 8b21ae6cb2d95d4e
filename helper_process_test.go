package adapters

// The helper-process pattern of os/exec's own tests: the test binary
// re-executes itself as the child, and TestMain, seeing PERFGATE_TEST_HELPER
// in its environment, runs the named helper instead of the tests. This gives
// the runner tests and benchmarks children with exact, portable behaviour
// (no dependence on /bin/sleep, sh or coreutils) on Unix and Windows alike.
//
// A child is described with helperSpec("sleep", "25ms"), which returns a
// CommandSpec running this binary with argv [exe, "25ms"] and
// PERFGATE_TEST_HELPER=sleep added to the inherited environment. Further
// helpers are added with registerHelper from an init function of any
// _test.go file of the package.

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/perfgate/adapters/internal/testcap"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// helperEnvKey names the environment variable that puts the test binary in
// helper mode; its value is the helper's name.
const helperEnvKey = "PERFGATE_TEST_HELPER"

// namedHelper is one helper process: its name and its body. A helper gets
// the arguments that follow the program name and returns the process's
// exit code. It runs before the testing package has parsed its flags, so
// its arguments are its own.
type namedHelper struct {
	name string
	run  func(args []string) int
}

// helpers maps a helper's name to its body, from the tables.
var helpers = map[string]func(args []string) int{}

// addHelpers adds a table. A name listed twice panics, as in os/exec's
// tests: two tables naming one helper would otherwise leave whichever was
// added last, silently.
func addHelpers(table []namedHelper) {
	for _, h := range table {
		if _, dup := helpers[h.name]; dup {
			panic("duplicate test helper " + strconv.Quote(h.name))
		}
		helpers[h.name] = h.run
	}
}

func init() { addHelpers(commonHelpers) }

func TestMain(m *testing.M) {
	if name, ok := os.LookupEnv(helperEnvKey); ok {
		os.Exit(runHelper(name, os.Args[1:]))
	}
	os.Exit(m.Run())
}

// A name listed twice panics and leaves the first.
func TestAddHelpersPanicsOnDuplicate(t *testing.T) {
	first := helpers["exit"]
	require.NotNil(t, first)
	require.PanicsWithValue(t, `duplicate test helper "exit"`, func() {
		addHelpers([]namedHelper{{"exit", helperSleep}})
	})
	assert.Equal(t, reflect.ValueOf(first).Pointer(), reflect.ValueOf(helpers["exit"]).Pointer(),
		"the first registration stands")

	const fresh = "perfgate-test-register-once"
	t.Cleanup(func() { delete(helpers, fresh) })
	require.NotPanics(t, func() { addHelpers([]namedHelper{{fresh, helperExit}}) })
	require.Panics(t, func() { addHelpers([]namedHelper{{fresh, helperExit}}) }, "even the same function")
}

// runHelper runs the named helper; an unknown name is a usage error (exit
// status 2), never a silent run of the whole test suite in the child.
func runHelper(name string, args []string) int {
	h, ok := helpers[name]
	if !ok {
		fmt.Fprintf(os.Stderr, "%s=%q: no such test helper\n", helperEnvKey, name)
		return 2
	}
	return h(args)
}

// helperExe is the absolute path of this test binary, resolved once. It is
// absolute so that a spec with a Cwd still finds it.
var helperExe = sync.OnceValue(func() string {
	exe, err := os.Executable()
	if err == nil {
		return exe
	}
	if abs, absErr := filepath.Abs(os.Args[0]); absErr == nil {
		return abs
	}
	return os.Args[0]
})

// helperSpec returns a CommandSpec that runs the named helper with args in
// a child process (this test binary in helper mode). Callers may set
// Timeout, Cwd, OutputCapBytes or more Env entries on the result; an Env
// entry appended later for helperEnvKey would replace the helper's name.
//
// The child also gets GORACE with atexit_sleep_ms=0 added: a binary built
// with -race otherwise sleeps one second in os.Exit, which would make every
// helper run last a second under go test -race. Without -race GORACE is
// ignored.
func helperSpec(name string, args ...string) CommandSpec {
	argv := make([]string, 0, 1+len(args))
	argv = append(argv, helperExe())
	argv = append(argv, args...)
	return CommandSpec{
		Name: "helper " + name,
		Argv: argv,
		Env: []EnvVar{
			{Key: helperEnvKey, Value: name},
			{Key: "GORACE", Value: helperGORACE()},
		},
	}
}

// helperGORACE is the caller's GORACE with atexit_sleep_ms=0 appended (a
// later option wins).
var helperGORACE = sync.OnceValue(testcap.ChildGORACE)

// helperUsage reports a helper called with bad arguments (exit status 2).
func helperUsage(format string, a ...any) int {
	fmt.Fprintf(os.Stderr, "test helper: "+format+"\n", a...)
	return 2
}

// helperPattern is the 64-byte period of what the write helper writes.
const helperPattern = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-\n"

// helperChunkSize is the size of each write of the write helper: a
// multiple of len(helperPattern), large enough that a GiB costs few
// system calls.
const helperChunkSize = 1 << 20

// helperPatternBytes returns the first n bytes the write helper writes to
// each stream, for tests that check what was captured.
func helperPatternBytes(n int) []byte {
	b := make([]byte, n)
	for i := 0; i < n; i += len(helperPattern) {
		copy(b[i:], helperPattern)
	}
	return b
}

func exitCodeOf(err error) int {
	if err != nil {
		fmt.Fprintf(os.Stderr, "test helper: %v\n", err)
		return 1
	}
	return 0
}

// mustRun runs spec with a zero StdProcessRunner and fails the test if Run
// returns an error.
func mustRun(t *testing.T, spec CommandSpec) RunResult {
	t.Helper()
	var runner StdProcessRunner
	res, err := runner.Run(context.Background(), spec)
	require.NoError(t, err)
	return res
}

// readyEnvKey names the file a helper creates once it has reached the
// point a test waits for (its grandchild started, say). Tests synchronise
// on that file, never on a sleep: Run hands over a child's output only
// when the run ends, so a line on stdout cannot tell a test that a child
// still running is ready.
const readyEnvKey = "PERFGATE_TEST_READY"

// signalReady creates the file named by readyEnvKey, if set, holding
// content. The content is written to a temporary file beside it that is
// then renamed into place, so a test that sees the file sees all of it.
func signalReady(content string) error {
	path := os.Getenv(readyEnvKey)
	if path == "" {
		return nil
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// withReadyFile returns spec with readyEnvKey naming a fresh file in a
// temporary directory of t, and that file's path.
func withReadyFile(t *testing.T, spec CommandSpec) (CommandSpec, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ready")
	spec.Env = append(append([]EnvVar(nil), spec.Env...), EnvVar{Key: readyEnvKey, Value: path})
	return spec, path
}

// readyPollInterval is how often a test looks for a helper's ready file,
// and readyDeadline how long it waits at most: far longer than any helper
// takes to start on a loaded machine, so that reaching it means the helper
// is broken, not slow.
const (
	readyPollInterval = 2 * time.Millisecond
	readyDeadline     = 2 * time.Minute
)

// awaitReadyFile waits until the file at path exists and returns its
// content, or returns ok false as soon as stop is closed (the run it waits
// for has ended) or readyDeadline has passed.
func awaitReadyFile(path string, stop <-chan struct{}) (content []byte, ok bool) {
	ticker := time.NewTicker(readyPollInterval)
	defer ticker.Stop()
	deadline := time.NewTimer(readyDeadline)
	defer deadline.Stop()
	for {
		if data, err := os.ReadFile(path); err == nil {
			return data, true
		}
		select {
		case <-stop:
			// The helper may have signalled just before its run ended.
			if data, err := os.ReadFile(path); err == nil {
				return data, true
			}
			return nil, false
		case <-deadline.C:
			return nil, false
		case <-ticker.C:
		}
	}
}

// cancelledRun is what runCancelledWhenReady saw.
type cancelledRun struct {
	res RunResult
	err error
	// ready is the content of the helper's ready file.
	ready string
	// afterCancel is how long Run took to return once cancelled.
	afterCancel time.Duration
}

// runCancelledWhenReady runs spec with runner and cancels the run's
// context once the helper has created its ready file (see signalReady),
// and not before. It fails the test if the run ends before the helper is
// ready.
func runCancelledWhenReady(t *testing.T, runner StdProcessRunner, spec CommandSpec) cancelledRun {
	t.Helper()
	spec, path := withReadyFile(t, spec)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out cancelledRun
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		out.res, out.err = runner.Run(ctx, spec)
	}()
	content, ok := awaitReadyFile(path, finished)
	cancelled := time.Now()
	cancel()
	<-finished
	out.afterCancel = time.Since(cancelled)
	require.True(t, ok, "the helper never signalled it was ready: err %v, exit %d, stderr %q",
		out.err, out.res.ExitCode, out.res.Stderr)
	out.ready = string(content)
	return out
}

// settleDeadline bounds the wait of awaitGoroutinesAtMost.
const settleDeadline = 30 * time.Second

// awaitGoroutinesAtMost waits until at most n goroutines exist and returns
// the number it saw last. The goroutines of runs that have returned may
// take a moment to end on a loaded machine; a leaked one never ends, and
// the caller's assertion then fails after settleDeadline.
func awaitGoroutinesAtMost(n int) int {
	ticker := time.NewTicker(readyPollInterval)
	defer ticker.Stop()
	deadline := time.NewTimer(settleDeadline)
	defer deadline.Stop()
	for {
		if got := runtime.NumGoroutine(); got <= n {
			return got
		}
		select {
		case <-deadline.C:
			return runtime.NumGoroutine()
		case <-ticker.C:
		}
	}
}

// parsePid reads the pid a tree helper printed on its first line.
func parsePid(t *testing.T, stdout []byte) int {
	t.Helper()
	line, _, _ := strings.Cut(string(stdout), "\n")
	pid, err := strconv.Atoi(line)
	require.NoError(t, err, "helper printed %q", stdout)
	return pid
}
