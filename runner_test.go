//go:build unix || windows

package adapters

import (
	"context"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Runner tests whose rules and expectations are the same on Unix and
// Windows; the per-OS files hold those that differ (signals, process
// groups against jobs, figures).

var allocSink []byte

// helperAlloc touches args[0] MiB (touchedMemory), then exits.
func helperAlloc(args []string) int {
	mib, _ := strconv.Atoi(args[0])
	allocSink = touchedMemory(mib)
	return 0
}

// helperStdin prints whether standard input held anything.
func helperStdin(args []string) int {
	n, err := os.Stdin.Read(make([]byte, 1))
	if err != nil && n == 0 {
		os.Stdout.WriteString("eof\n")
		return 0
	}
	os.Stdout.WriteString("data\n")
	return 0
}

func TestRunContextDeadlineIsAnError(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	var runner StdProcessRunner
	_, err := runner.Run(ctx, helperSpec("sleep", "10s"))
	assert.ErrorIs(t, err, context.DeadlineExceeded)
}

func TestRunAlreadyCancelledStartsNothing(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var runner StdProcessRunner
	res, err := runner.Run(ctx, helperSpec("exit", "0"))
	assert.ErrorIs(t, err, context.Canceled)
	assert.Zero(t, res.Wall)
}

func TestRunOutputCaps(t *testing.T) {
	const limit = 1000
	cases := []struct {
		name    string
		cap     int
		written int
		kept    int
	}{
		{"cap-1", limit, limit - 1, limit - 1},
		{"cap", limit, limit, limit},
		{"cap+1", limit, limit + 1, limit},
		{"zero cap means default", 0, 10000, DefaultOutputCapBytes},
		{"negative cap keeps nothing", -1, 5000, 0},
		{"empty output", limit, 0, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			spec := helperSpec("write", "both", strconv.Itoa(tc.written))
			spec.OutputCapBytes = tc.cap
			res := mustRun(t, spec)
			require.Equal(t, 0, res.ExitCode)
			want := helperPatternBytes(tc.kept)
			if tc.kept == 0 {
				want = nil
			}
			assert.Equal(t, want, res.Stdout)
			assert.Equal(t, want, res.Stderr)
			assert.Equal(t, uint64Ptr(uint64(tc.written)), res.StdoutTotalBytes)
			assert.Equal(t, uint64Ptr(uint64(tc.written)), res.StderrTotalBytes)
			assert.Equal(t, tc.written > tc.kept, res.StdoutTruncated)
			assert.Equal(t, tc.written > tc.kept, res.StderrTruncated)
		})
	}
}

func TestRunLargeOutputWithTimeout(t *testing.T) {
	spec := helperSpec("write", "both", strconv.Itoa(64<<20))
	spec.Timeout = time.Minute
	res := mustRun(t, spec)
	assert.False(t, res.TimedOut)
	assert.Equal(t, 0, res.ExitCode)
	assert.Equal(t, uint64Ptr(64<<20), res.StdoutTotalBytes)
	assert.Equal(t, uint64Ptr(64<<20), res.StderrTotalBytes)
	assert.Equal(t, helperPatternBytes(DefaultOutputCapBytes), res.Stdout)
}

func TestRunStdinIsNullDevice(t *testing.T) {
	res := mustRun(t, helperSpec("stdin"))
	assert.Equal(t, "eof\n", string(res.Stdout))
}

// badInput is a spec that Run must refuse before running anything: the
// sentinel kind, an underlying error errors.Is must also find (or nil),
// and words the Reason must contain.
type badInput struct {
	name   string
	spec   CommandSpec
	kind   error
	detail error
	reason string
}

// commonBadInputs are refused alike on every platform. dir is an existing
// directory and dataFile a plain data file.
func commonBadInputs(dir, dataFile string) []badInput {
	return []badInput{
		{"empty argv", CommandSpec{}, ErrEmptyArgv, nil, ""},
		{"empty program", CommandSpec{Argv: []string{""}}, ErrEmptyArgv, nil, ""},
		{"not in PATH", CommandSpec{Argv: []string{"perfgate-no-such-program"}}, ErrRunCommand, exec.ErrNotFound, "not found in PATH"},
		{"missing path", CommandSpec{Argv: []string{filepath.Join(dir, "missing")}}, ErrRunCommand, fs.ErrNotExist, "does not exist"},
		{"directory", CommandSpec{Argv: []string{dir}}, ErrRunCommand, syscall.EISDIR, "is a directory"},
		{"missing cwd", CommandSpec{Argv: []string{helperExe()}, Cwd: filepath.Join(dir, "gone")}, ErrRunCommand, fs.ErrNotExist, "working directory"},
		{"cwd is a file", CommandSpec{Argv: []string{helperExe()}, Cwd: dataFile}, ErrRunCommand, syscall.ENOTDIR, "not a directory"},
		{"NUL in argument", CommandSpec{Argv: []string{helperExe(), "a\x00b"}}, ErrInvalidSpec, nil, "argument 1"},
		{"NUL in env", CommandSpec{Argv: []string{helperExe()}, Env: []EnvVar{{"K", "v\x00"}}}, ErrInvalidSpec, nil, "NUL"},
		{"= in key", CommandSpec{Argv: []string{helperExe()}, Env: []EnvVar{{"A=B", "v"}}}, ErrInvalidSpec, nil, "'='"},
		{"empty key", CommandSpec{Argv: []string{helperExe()}, Env: []EnvVar{{"", "v"}}}, ErrInvalidSpec, nil, "empty"},
		{"negative timeout", CommandSpec{Argv: []string{helperExe()}, Timeout: -time.Second}, ErrInvalidSpec, nil, "negative timeout"},
	}
}

// checkBadInputs runs each case and checks its typed error, and that the
// result is empty.
func checkBadInputs(t *testing.T, cases []badInput) {
	var runner StdProcessRunner
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := runner.Run(context.Background(), tc.spec)
			require.Error(t, err)
			assert.ErrorIs(t, err, tc.kind)
			if tc.detail != nil {
				assert.ErrorIs(t, err, tc.detail)
			}
			var adapterErr *AdapterError
			require.ErrorAs(t, err, &adapterErr)
			assert.Contains(t, adapterErr.Reason, tc.reason)
			assert.Equal(t, strings.Join(tc.spec.Argv, " "), adapterErr.Command)
			assert.Equal(t, notStarted(err), withoutCommand(res))
		})
	}
}

// runConcurrently runs n specs (specFor(i)) at once on runner and returns
// their results in order; every run must succeed in starting.
func runConcurrently(t *testing.T, runner StdProcessRunner, n int, specFor func(i int) CommandSpec) []RunResult {
	results := make([]RunResult, n)
	var wg sync.WaitGroup
	for i := range results {
		wg.Go(func() {
			res, err := runner.Run(context.Background(), specFor(i))
			assert.NoError(t, err)
			results[i] = res
		})
	}
	wg.Wait()
	return results
}
