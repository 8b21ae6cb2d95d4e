//go:build unix || windows

package adapters

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A Stdin reader's own error on every runner (runnerRules repeats these
// through the Linux paths, stdin_linux_test.go in tree scope).

// helperCountStdin reads standard input to its end and prints how many
// bytes it read, as wc -c does. It signals ready (signalReady) once it has
// read its first bytes.
func helperCountStdin([]string) int {
	buf := make([]byte, 32<<10)
	first, err := os.Stdin.Read(buf)
	if err == nil {
		err = signalReady("")
	}
	if err != nil && err != io.EOF {
		return helperUsage("count-stdin: %v", err)
	}
	rest, err := io.CopyBuffer(io.Discard, os.Stdin, buf)
	if err != nil {
		return helperUsage("count-stdin: %v", err)
	}
	_, err = fmt.Println(int64(first) + rest)
	return exitCodeOf(err)
}

// errBoom is the error of the failing readers.
var errBoom = errors.New("boom")

// stdinRun is what runStdin saw.
type stdinRun struct {
	res RunResult
	err error
	// before and after bound the run's wall time.
	before, after time.Time
}

func runStdin(t *testing.T, runner StdProcessRunner, spec CommandSpec) stdinRun {
	t.Helper()
	var out stdinRun
	out.before = time.Now()
	out.res, out.err = runner.Run(context.Background(), spec)
	out.after = time.Now()
	return out
}

// assertStdinReaderFailed checks a run of count-stdin whose reader gave
// read bytes, then errBoom: the child read them and then end of file, and
// Run returns the whole result with the reader's error.
func assertStdinReaderFailed(t *testing.T, run stdinRun, read int) {
	t.Helper()
	res := run.res
	assert.Equal(t, 0, res.ExitCode, "stderr: %s", res.Stderr)
	assert.Equal(t, strconv.Itoa(read)+"\n", string(res.Stdout), "what the child read before end of file")
	assert.Positive(t, res.Wall)
	assert.LessOrEqual(t, res.Wall, run.after.Sub(run.before))
	assert.NotNil(t, res.CPUMs, "every figure is there")
	require.Error(t, run.err)
	assert.ErrorIs(t, run.err, ErrStdinRead)
	assert.ErrorIs(t, run.err, errBoom)
	for _, other := range []error{ErrRunCommand, ErrInvalidSpec, ErrNonZeroExit} {
		assert.NotErrorIs(t, run.err, other)
	}
	var ae *AdapterError
	require.ErrorAs(t, run.err, &ae)
	assert.Equal(t, KindStdinRead, ae.Kind)
	assert.Equal(t, "after "+strconv.Itoa(read)+" bytes", ae.Reason)
	assert.Same(t, errBoom, ae.Err)
	assert.False(t, res.Succeeded(), "a result returned with an error is no success")
	assert.Same(t, run.err, res.Err(), "the result carries Run's error")
	assert.Equal(t, "the Stdin reader failed after "+strconv.Itoa(read)+" bytes and the command read end of file there: boom",
		res.Notes["stdin"])
}

// The case: 1000 bytes, then an error, into wc -c.
func TestRunStdinReaderError(t *testing.T) {
	testStdinReaderError(t, StdProcessRunner{})
}

func testStdinReaderError(t *testing.T, runner StdProcessRunner) {
	spec := helperSpec("count-stdin")
	spec.Stdin = io.MultiReader(strings.NewReader(strings.Repeat("x", 1000)), iotest.ErrReader(errBoom))
	assertStdinReaderFailed(t, runStdin(t, runner, spec), 1000)

	// Through the reader's own Read rather than its WriteTo, and past
	// what a pipe holds.
	spec.Stdin = io.MultiReader(iotest.HalfReader(bytes.NewReader(make([]byte, 300_000))), iotest.ErrReader(errBoom))
	assertStdinReaderFailed(t, runStdin(t, runner, spec), 300_000)
}

// A reader that fails at its first Read gives the child end of file at
// once.
func TestRunStdinReaderErrorBeforeAnyByte(t *testing.T) {
	spec := helperSpec("count-stdin")
	spec.Stdin = iotest.ErrReader(errBoom)
	assertStdinReaderFailed(t, runStdin(t, StdProcessRunner{}, spec), 0)
}

// io.EOF is the end of the input, not an error, also when it comes with
// the last bytes.
func TestRunStdinReaderEOF(t *testing.T) {
	spec := helperSpec("count-stdin")
	spec.Stdin = iotest.DataErrReader(strings.NewReader("12345"))
	res := mustRun(t, spec)
	assert.Equal(t, "5\n", string(res.Stdout))
	assert.NotContains(t, res.Notes, "stdin")
}

// A child that exits without reading leaves the copy blocked on a full
// pipe; the failed write (EPIPE, or the pipe closed after the exit) is no
// error, and the reader's error that was never reached is not reported.
func TestRunStdinUnreadIsNoError(t *testing.T) {
	spec := helperSpec("exit", "0")
	spec.Stdin = io.MultiReader(bytes.NewReader(make([]byte, 1<<20)), iotest.ErrReader(errBoom))
	res := mustRun(t, spec)
	assert.Equal(t, 0, res.ExitCode)
	assert.NotContains(t, res.Notes, "stdin")
}

// gatedReader blocks in Read until release is closed, then fails; done is
// closed once that Read has returned.
type gatedReader struct {
	release, done chan struct{}
}

func (g *gatedReader) Read([]byte) (int, error) {
	<-g.release
	defer close(g.done)
	return 0, errBoom
}

// Run does not wait for a Read blocked in the caller's reader, and what
// that Read returns after the exit is not reported; the copying goroutine
// ends when it returns.
func TestRunStdinReaderErrorAfterExit(t *testing.T) {
	goroutines := runtime.NumGoroutine()
	reader := &gatedReader{release: make(chan struct{}), done: make(chan struct{})}
	spec := helperSpec("exit", "0")
	spec.Stdin = reader
	finished := make(chan stdinRun, 1)
	go func() { finished <- runStdin(t, StdProcessRunner{}, spec) }()
	var run stdinRun
	select {
	case run = <-finished:
	case <-time.After(readyDeadline):
		close(reader.release)
		t.Fatal("Run waited for a reader blocked in Read")
	}
	close(reader.release)
	<-reader.done
	require.NoError(t, run.err)
	assert.Equal(t, 0, run.res.ExitCode)
	assert.NotContains(t, run.res.Notes, "stdin")
	assert.LessOrEqual(t, awaitGoroutinesAtMost(goroutines), goroutines, "the copy ends with the Read")
}

// A nil or closed *os.File is refused before anything starts, rather than
// giving the child a closed descriptor 0 on one path and failing the hand
// over on another; the fake refuses it alike.
func TestRunStdinClosedFile(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "input"))
	require.NoError(t, err)
	require.NoError(t, f.Close())
	var nilFile *os.File
	for _, tt := range []struct {
		stdin  *os.File
		reason string
		err    error
	}{
		{f, "Stdin is a closed *os.File (" + strconv.Quote(f.Name()) + ")", os.ErrClosed},
		{nilFile, "Stdin is a nil *os.File", os.ErrInvalid},
	} {
		spec := helperSpec("count-stdin")
		spec.Stdin = tt.stdin
		for _, runner := range []ProcessRunner{StdProcessRunner{}, NewFakeProcessRunner()} {
			res, err := runner.Run(context.Background(), spec)
			assert.Equal(t, notStarted(err), withoutCommand(res), "nothing ran")
			assert.ErrorIs(t, err, ErrInvalidSpec)
			assert.ErrorIs(t, err, tt.err)
			var ae *AdapterError
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, tt.reason, ae.Reason)
		}
	}
}

// helperRunPanickingStdin runs count-stdin with a Stdin reader that
// panics once the child has read its first byte, to show what that does
// to the program calling Run. args[0] is the child's ready file.
func helperRunPanickingStdin(args []string) int {
	if len(args) != 1 {
		return helperUsage("run-panicking-stdin READY-FILE")
	}
	spec := helperSpec("count-stdin")
	spec.Env = append(spec.Env, EnvVar{Key: readyEnvKey, Value: args[0]})
	spec.Stdin = &panickingReader{ready: args[0]}
	res, err := StdProcessRunner{}.Run(context.Background(), spec)
	fmt.Printf("Run returned: exit %d, %v\n", res.ExitCode, err)
	return 0
}

// panickingReader gives one byte, then panics once the child has read it:
// the child is running by then (in its job, on Windows), so it does not
// outlive the panicking program.
type panickingReader struct {
	ready string
	gave  bool
}

func (r *panickingReader) Read(p []byte) (int, error) {
	if !r.gave {
		r.gave = true
		p[0] = 'x'
		return 1, nil
	}
	awaitReadyFile(r.ready, nil)
	panic("reader exploded")
}

// As with os/exec, a reader's panic is on the copying goroutine: it is not
// recovered and ends the program calling Run (Go's exit status 2). The
// child, reading to end of file, sees it when that program dies.
func TestRunStdinReaderPanicEndsTheCaller(t *testing.T) {
	cmd := exec.Command(helperExe(), filepath.Join(t.TempDir(), "ready"))
	cmd.Env = append(os.Environ(), helperEnvKey+"=run-panicking-stdin", "GORACE="+helperGORACE())
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exitErr *exec.ExitError
	require.ErrorAs(t, err, &exitErr, "stdout %q, stderr %q", stdout.String(), stderr.String())
	assert.Equal(t, 2, exitErr.ExitCode())
	assert.Empty(t, stdout.String(), "Run never returned")
	assert.True(t, strings.HasPrefix(stderr.String(), "panic: reader exploded\n"), "stderr: %s", stderr.String())
	assert.Contains(t, stderr.String(), ".(*Feed).copyFrom(")
}
