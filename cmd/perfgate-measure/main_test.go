package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/perfgate/adapters"
	"github.com/perfgate/adapters/internal/testcap"
)

// requireRunner skips the test where the command cannot run these tests:
// js and wasip1 have no processes, and plan9's runner starts none.
func requireRunner(t *testing.T) {
	t.Helper()
	switch runtime.GOOS {
	case "plan9", "js", "wasip1":
		t.Skipf("StdProcessRunner does not run commands on %s", runtime.GOOS)
	}
}

// unixTool returns the path of a standard Unix program (true lives in
// /usr/bin on macOS) or skips the test: Windows has none of them. Only a
// test whose point is that program or the shell uses it, and why says
// what of it the test needs (the tests of anything else run the test
// binary's helpers, which Windows runs too).
func unixTool(t *testing.T, name, why string) string {
	t.Helper()
	requireRunner(t)
	if runtime.GOOS == "windows" {
		t.Skipf("Windows has no %s: %s", name, why)
	}
	for _, dir := range []string{"/bin", "/usr/bin"} {
		path := filepath.Join(dir, name)
		if _, err := os.Stat(path); err == nil {
			return path
		}
	}
	testcap.SkipUnlessCapable(t, "unix-tools", "no "+name+" in /bin or /usr/bin")
	return ""
}

type outcome struct {
	code           int
	stdout, stderr string
}

func runMeasure(t *testing.T, ctx context.Context, args ...string) outcome {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(ctx, args, &stdout, &stderr)
	return outcome{code, stdout.String(), stderr.String()}
}

func measure(t *testing.T, args ...string) outcome {
	t.Helper()
	return runMeasure(t, t.Context(), args...)
}

// jsonLines splits output into its lines, failing unless there are n.
func jsonLines(t *testing.T, out string, n int) []string {
	t.Helper()
	require.True(t, strings.HasSuffix(out, "\n"), "output ends with a newline: %q", out)
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	require.Len(t, lines, n, "output: %s", out)
	return lines
}

// decodeRun parses a -json run line, strictly: it must be exactly the
// "name", "command" and "run" keys and then what adapters marshals for the
// result it decodes to.
func decodeRun(t *testing.T, line string) adapters.RunResult {
	t.Helper()
	_, r := decodeRunLine(t, line)
	return r
}

func decodeRunLine(t *testing.T, line string) (runKeys, adapters.RunResult) {
	t.Helper()
	var keys runKeys
	require.NoError(t, json.Unmarshal([]byte(line), &keys), line)
	var r adapters.RunResult
	require.NoError(t, json.Unmarshal([]byte(line), &r), line)
	again, err := joinObjects(keys, r)
	require.NoError(t, err)
	assert.Equal(t, line, string(again))
	return keys, r
}

func TestSuccess(t *testing.T) {
	t.Parallel()
	requireRunner(t)
	out := measure(t, helperArgs(t, "exit", nil, "0")...)
	assert.Equal(t, exitOK, out.code)
	assert.Empty(t, out.stderr)
	assert.True(t, strings.HasPrefix(out.stdout, "run 1/1: "+commandLine([]string{helperExe(t), "0"})+"\n"), out.stdout)
	assert.Contains(t, out.stdout, "\n  exit          0\n")
	assert.Contains(t, out.stdout, "\n  timed out     no\n")
	assert.Contains(t, out.stdout, "\n  stdout        0 B\n")
	assert.NotContains(t, out.stdout, "summary", "no summary for a single run")
}

// Without "--" an argument is a command string, as hyperfine takes it,
// run through the shell: "exit 3" is not a program's name. It reads the
// same in /bin/sh and in Windows's cmd.exe.
func TestWithoutDoubleDash(t *testing.T) {
	t.Parallel()
	requireRunner(t)
	out := measure(t, "-json", "-runs", "1", "exit 3")
	assert.Equal(t, exitFailed, out.code, out.stderr)
	assert.Equal(t, 3, decodeRun(t, jsonLines(t, out.stdout, 1)[0]).ExitCode)
}

func TestNonZeroExit(t *testing.T) {
	t.Parallel()
	requireRunner(t)
	out := measure(t, helperArgs(t, "exit", nil, "3")...)
	assert.Equal(t, exitFailed, out.code)
	assert.True(t, strings.HasPrefix(out.stdout, "run 1/1: "+commandLine([]string{helperExe(t), "3"})+"\n"), out.stdout)
	assert.Contains(t, out.stdout, "\n  exit          3\n", "the failed run is still printed")
	assert.Contains(t, out.stderr, "run 1/1: command exited unsuccessfully")
	assert.Contains(t, out.stderr, "exit status 3")
}

// requireSignals skips a test of a process killed by a signal where
// there are none: on Windows os.Kill is TerminateProcess, an exit status.
func requireSignals(t *testing.T) {
	t.Helper()
	requireRunner(t)
	if runtime.GOOS == "windows" {
		t.Skip("Windows has no signals: a killed process ends with an exit status, and the test is of signal 9")
	}
}

func TestKilledBySignal(t *testing.T) {
	t.Parallel()
	requireSignals(t)
	out := measure(t, helperArgs(t, "kill-self", []string{"-json"})...)
	assert.Equal(t, exitFailed, out.code)
	r := decodeRun(t, jsonLines(t, out.stdout, 1)[0])
	assert.Equal(t, -1, r.ExitCode)
	require.NotNil(t, r.Signal)
	assert.Equal(t, 9, *r.Signal)
	assert.Contains(t, out.stderr, "terminated by signal 9")
}

func TestTimeout(t *testing.T) {
	t.Parallel()
	requireRunner(t)
	for _, jsonMode := range []bool{false, true} {
		t.Run(fmt.Sprintf("json=%v", jsonMode), func(t *testing.T) {
			t.Parallel()
			flags := []string{"-timeout", "100ms"}
			if jsonMode {
				flags = append([]string{"-json"}, flags...)
			}
			start := time.Now()
			// An hour's sleep: only the kill at the deadline ends it
			// within minutes, however loaded the machine.
			out := measure(t, helperArgs(t, "sleep", flags, "1h")...)
			assert.Less(t, time.Since(start), 5*time.Minute, "the command was killed at the deadline")
			assert.Equal(t, exitFailed, out.code)
			assert.Contains(t, out.stderr, "command timed out")
			if jsonMode {
				r := decodeRun(t, jsonLines(t, out.stdout, 1)[0])
				assert.True(t, r.TimedOut)
				assert.GreaterOrEqual(t, r.Wall, 100*time.Millisecond)
			} else {
				assert.Contains(t, out.stdout, "\n  timed out     yes\n")
			}
		})
	}
}

func TestProgramThatCannotStart(t *testing.T) {
	t.Parallel()
	requireRunner(t)
	for _, prog := range []string{
		filepath.Join(t.TempDir(), "missing"),
		"perfgate-measure-test-no-such-program",
	} {
		out := measure(t, "-repeat", "3", "--", prog, "arg")
		assert.Equal(t, exitNotFound, out.code, prog)
		assert.Empty(t, out.stdout, "nothing was measured")
		assert.Contains(t, out.stderr, "run 1/3: failed to run command: ["+prog+" arg]")
	}
}

func TestUsageErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no arguments", nil, "no command to run"},
		{"flags only", []string{"-json", "-repeat", "2"}, "no command to run"},
		{"only a double dash", []string{"--"}, "no command to run"},
		{"empty program", []string{"--", ""}, "empty program name"},
		{"unknown flag", []string{"-bogus", "--", "true"}, "unknown flag -bogus"},
		{"bad duration", []string{"-timeout", "soon", "--", "true"}, `invalid value "soon" for flag -timeout: parse error`},
		{"negative timeout", []string{"-timeout", "-1s", "--", "true"}, "negative -timeout -1s"},
		{"zero repeat", []string{"-repeat", "0", "--", "true"}, "-repeat must be at least 1, not 0"},
		{"negative warmup", []string{"-warmup", "-1", "--", "true"}, "-warmup must not be negative, not -1"},
		{"env without =", []string{"-env", "NOEQUALS", "--", "true"}, `invalid value "NOEQUALS" for flag -env: want KEY=VALUE`},
		{"env with empty key", []string{"-env", "=v", "--", "true"}, `invalid value "=v" for flag -env: empty variable name in KEY=VALUE`},
		{"bad output mode", []string{"-output", "tee", "--", "true"}, `invalid value "tee" for flag -output: want capture, inherit or discard (or hyperfine's null, pipe, inherit; hyperfine's --output=FILE is not supported: use -output inherit and redirect)`},
		{"two names for one command", []string{"-name", "a", "-name", "b", "--", "true"}, "more than one -name for one command (several commands need -shell)"},
		{"more names than commands", []string{"-shell", "-name", "a", "-name", "b", "true"}, "2 -name flags for 1 commands"},
		{"empty shell command", []string{"-shell", "true", " "}, "command 2 is empty"},
		{"show-output without capture", []string{"-show-output", "-output", "discard", "--", "true"}, "-show-output needs -output capture, not discard"},
		{"export-output without a file", []string{"-export-output", "--", "true"}, "-export-output needs -export-json or -receipt"},
		{"export-output without capture", []string{"-export-output", "-receipt", "r", "-output", "inherit", "--", "true"}, "-export-output needs -output capture, not inherit"},
	} {
		t.Run(tc.name, func(t *testing.T) { assertUsageError(t, tc.args, tc.want) })
	}
}

// assertUsageError runs perfgate-measure with args and asserts a usage
// error: one line saying want and one pointing to -help, never the whole
// usage, and nothing on stdout.
func assertUsageError(t *testing.T, args []string, want string) {
	t.Helper()
	out := measure(t, args...)
	assert.Equal(t, exitUsage, out.code)
	assert.Empty(t, out.stdout)
	assert.Equal(t, "perfgate-measure: "+want+"\n"+
		"usage: perfgate-measure [flags] 'command'... | -- prog [args...]  (see -help)\n", out.stderr)
}

// Values the flags accept but the library rejects are usage errors too,
// reported in one line.
func TestInvalidSpec(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"-env", "K=a\x00b", "--", "true"},
		{"--", "true", "a\x00b"},
	} {
		out := measure(t, args...)
		assert.Equal(t, exitUsage, out.code)
		assert.Empty(t, out.stdout)
		assert.Contains(t, out.stderr, "invalid command spec")
		assert.Equal(t, 1, strings.Count(out.stderr, "\n"), out.stderr)
	}
}

func TestHelp(t *testing.T) {
	t.Parallel()
	for _, flag := range []string{"-h", "--help"} {
		short := measure(t, flag)
		assert.Equal(t, exitOK, short.code, flag)
		assert.Empty(t, short.stderr, flag)
		assert.True(t, strings.HasPrefix(short.stdout, usageLine), flag)
	}
	out := measure(t, "-help")
	assert.Equal(t, exitOK, out.code)
	assert.Empty(t, out.stderr, "-help goes to stdout")
	for _, want := range []string{
		"usage: perfgate-measure [flags] 'command' ['command'...]", "perfgate-measure [flags] -- prog [args...]", "-N", "-S shell", "-reference command", "-time-unit unit",
		"perfgate-measure [flags] -shell 'command' ['command'...]",
		"-warmup n", "without reporting those runs",
		"-env KEY=VALUE", "-output-cap bytes", "-timeout duration",
		"-hostname-hash", "-show-output", "-json", "-name label", "-cwd dir", "-repeat n",
		"-shell", "/bin/sh -c", "-input file", "-output mode", "capture", "inherit", "discard",
		"-verbose", "-export-json file", "-export-markdown file", "-export-csv file",
		"-receipt file", "perfgate.run.v1", "file-1.json",
		`"name"`, `"run"`, `{"host": adapters.HostInfo JSON}`,
		"mean ± σ, median, min … max", "progress line",
		"Measuring stops at the first run that fails",
		"-spawner", "-spawner=false", "No effect with -tree (always direct) or on other systems",
		"-export-output",
		"Exit status:", "126", "127", "143", "-style type", "NO_COLOR", "-export-csv-runs file",
	} {
		assert.Contains(t, out.stdout, want)
	}
}
