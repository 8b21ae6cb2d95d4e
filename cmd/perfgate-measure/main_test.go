package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/perfgate/adapters"
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
	// getenv KEY prints the value of KEY.
	"getenv": func(args []string) int {
		fmt.Println(os.Getenv(args[0]))
		return 0
	},
	// ready-sleep D creates the file named by readyEnvKey, then sleeps
	// for the duration D.
	"ready-sleep": func(args []string) int {
		d, err := time.ParseDuration(args[0])
		if err != nil {
			return 2
		}
		if err := signalReady(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 3
		}
		time.Sleep(d)
		return 0
	},
}

// readyEnvKey names the file a helper creates once it runs, for a test
// that must act while the helper runs and not before: the test waits for
// the file (awaitReadyFile), never for a fixed time.
const readyEnvKey = "PERFGATE_MEASURE_TEST_READY"

// signalReady creates the file named by readyEnvKey: written beside it
// and renamed into place, so that it appears at once.
func signalReady() error {
	path := os.Getenv(readyEnvKey)
	if path == "" {
		return fmt.Errorf("%s is not set", readyEnvKey)
	}
	if err := os.WriteFile(path+".tmp", []byte("ready\n"), 0o644); err != nil {
		return err
	}
	return os.Rename(path+".tmp", path)
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

func TestMain(m *testing.M) {
	if name, ok := os.LookupEnv(helperEnvKey); ok {
		helper, found := helpers[name]
		if !found {
			fmt.Fprintf(os.Stderr, "no test helper %q\n", name)
			os.Exit(2)
		}
		os.Exit(helper(os.Args[1:]))
	}
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

// requireRunner skips the test where the command cannot run these tests:
// js and wasip1 have no processes, and the Windows and plan9 runners give
// fewer figures than the tests expect (Windows gets its own runner and
// tests under Wine in a later change).
func requireRunner(t *testing.T) {
	t.Helper()
	switch runtime.GOOS {
	case "windows", "plan9", "js", "wasip1":
		t.Skipf("StdProcessRunner does not run commands on %s", runtime.GOOS)
	}
}

// unixTool returns the path of a standard Unix program (true lives in
// /usr/bin on macOS) or skips the test.
func unixTool(t *testing.T, name string) string {
	t.Helper()
	requireRunner(t)
	for _, dir := range []string{"/bin", "/usr/bin"} {
		path := filepath.Join(dir, name)
		if _, err := os.Stat(path); err == nil {
			return path
		}
	}
	t.Skipf("no %s in /bin or /usr/bin", name)
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

// decodeRun parses a -json line, strictly, and checks that it is exactly
// what adapters marshals for the result it decodes to.
func decodeRun(t *testing.T, line string) adapters.RunResult {
	t.Helper()
	var r adapters.RunResult
	require.NoError(t, json.Unmarshal([]byte(line), &r), line)
	again, err := json.Marshal(r)
	require.NoError(t, err)
	assert.Equal(t, line, string(again))
	return r
}

func TestSuccess(t *testing.T) {
	t.Parallel()
	trueProg := unixTool(t, "true")
	out := measure(t, "--", trueProg)
	assert.Equal(t, exitOK, out.code)
	assert.Empty(t, out.stderr)
	assert.True(t, strings.HasPrefix(out.stdout, "run 1/1: "+trueProg+"\n"), out.stdout)
	assert.Contains(t, out.stdout, "\n  exit          0\n")
	assert.Contains(t, out.stdout, "\n  timed out     no\n")
	assert.Contains(t, out.stdout, "\n  stdout        0 B\n")
	assert.NotContains(t, out.stdout, "summary", "no summary for a single run")
}

func TestWithoutDoubleDash(t *testing.T) {
	t.Parallel()
	sh := unixTool(t, "sh")
	out := measure(t, "-json", sh, "-c", "exit 0")
	assert.Equal(t, exitOK, out.code, out.stderr)
	decodeRun(t, jsonLines(t, out.stdout, 1)[0])
}

func TestNonZeroExit(t *testing.T) {
	t.Parallel()
	sh := unixTool(t, "sh")
	out := measure(t, "--", sh, "-c", "exit 3")
	assert.Equal(t, exitFailed, out.code)
	assert.True(t, strings.HasPrefix(out.stdout, "run 1/1: "+sh+` -c "exit 3"`+"\n"), out.stdout)
	assert.Contains(t, out.stdout, "\n  exit          3\n", "the failed run is still printed")
	assert.Contains(t, out.stderr, "run 1/1: command exited unsuccessfully")
	assert.Contains(t, out.stderr, "exit status 3")
}

func TestKilledBySignal(t *testing.T) {
	t.Parallel()
	sh := unixTool(t, "sh")
	out := measure(t, "-json", "--", sh, "-c", "kill -9 $$")
	assert.Equal(t, exitFailed, out.code)
	r := decodeRun(t, jsonLines(t, out.stdout, 1)[0])
	assert.Equal(t, -1, r.ExitCode)
	require.NotNil(t, r.Signal)
	assert.Equal(t, 9, *r.Signal)
	assert.Contains(t, out.stderr, "terminated by signal 9")
}

func TestTimeout(t *testing.T) {
	t.Parallel()
	sleep := unixTool(t, "sleep")
	for _, jsonMode := range []bool{false, true} {
		t.Run(fmt.Sprintf("json=%v", jsonMode), func(t *testing.T) {
			t.Parallel()
			args := []string{"-timeout", "100ms", "--", sleep, "5"}
			if jsonMode {
				args = append([]string{"-json"}, args...)
			}
			start := time.Now()
			out := measure(t, args...)
			assert.Less(t, time.Since(start), 3*time.Second, "the command was killed at the deadline")
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
		assert.Equal(t, exitFailed, out.code, prog)
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
		{"unknown flag", []string{"-bogus", "--", "true"}, "flag provided but not defined: -bogus"},
		{"bad duration", []string{"-timeout", "soon", "--", "true"}, `invalid value "soon" for flag -timeout`},
		{"negative timeout", []string{"-timeout", "-1s", "--", "true"}, "negative -timeout -1s"},
		{"zero repeat", []string{"-repeat", "0", "--", "true"}, "-repeat must be at least 1"},
		{"negative warmup", []string{"-warmup", "-1", "--", "true"}, "-warmup must not be negative"},
		{"env without =", []string{"-env", "NOEQUALS", "--", "true"}, `invalid value "NOEQUALS" for flag -env: want KEY=VALUE`},
		{"env with empty key", []string{"-env", "=v", "--", "true"}, "empty variable name"},
		{"env with NUL", []string{"-env", "K=a\x00b", "--", "true"}, "invalid command spec"},
		{"argument with NUL", []string{"--", "true", "a\x00b"}, "invalid command spec"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := measure(t, tc.args...)
			assert.Equal(t, exitUsage, out.code)
			assert.Empty(t, out.stdout)
			assert.Contains(t, out.stderr, tc.want)
		})
	}
}

func TestHelp(t *testing.T) {
	t.Parallel()
	out := measure(t, "-help")
	assert.Equal(t, exitOK, out.code)
	assert.Empty(t, out.stdout)
	for _, want := range []string{
		"usage: perfgate-measure [flags] -- prog [args...]",
		"-warmup n", "without reporting those runs",
		"-env KEY=VALUE", "-output-cap bytes", "-timeout duration",
		"-hostname-hash", "-show-output", "-json", "-name label", "-cwd dir", "-repeat n",
		"Measuring stops at the first run that fails",
		"Exit status:",
	} {
		assert.Contains(t, out.stderr, want)
	}
}

func TestJSONWithHost(t *testing.T) {
	t.Parallel()
	trueProg := unixTool(t, "true")
	out := measure(t, "-json", "-host", "-hostname-hash", "-repeat", "2", "--", trueProg)
	require.Equal(t, exitOK, out.code, out.stderr)
	assert.Empty(t, out.stderr)
	lines := jsonLines(t, out.stdout, 3)

	dec := json.NewDecoder(strings.NewReader(lines[0]))
	dec.DisallowUnknownFields()
	var host adapters.HostInfo
	require.NoError(t, dec.Decode(&host), lines[0])
	assert.Equal(t, adapters.PerfgateOS(runtime.GOOS), host.OS)
	assert.Equal(t, adapters.PerfgateArch(runtime.GOARCH), host.Arch)
	require.NotNil(t, host.CPUCount)
	assert.Positive(t, *host.CPUCount)
	require.NotNil(t, host.HostnameHash)
	assert.Regexp(t, "^[0-9a-f]{64}$", *host.HostnameHash)

	for _, line := range lines[1:] {
		r := decodeRun(t, line)
		assert.Equal(t, 0, r.ExitCode)
		assert.Positive(t, r.Wall)
		assert.NotNil(t, r.BinaryBytes)
		assert.Nil(t, r.NetworkPackets)
	}
}

func TestJSONHostWithoutHash(t *testing.T) {
	t.Parallel()
	trueProg := unixTool(t, "true")
	out := measure(t, "-json", "-host", "--", trueProg)
	require.Equal(t, exitOK, out.code, out.stderr)
	lines := jsonLines(t, out.stdout, 2)
	assert.NotContains(t, lines[0], "hostname_hash")
	var host adapters.HostInfo
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &host))
	assert.Nil(t, host.HostnameHash)
	decodeRun(t, lines[1])
}

func TestHostTable(t *testing.T) {
	t.Parallel()
	trueProg := unixTool(t, "true")
	out := measure(t, "-hostname-hash", "--", trueProg)
	require.Equal(t, exitOK, out.code, out.stderr)
	assert.True(t, strings.HasPrefix(out.stdout, "host\n  os            "+adapters.PerfgateOS(runtime.GOOS)+"\n"), out.stdout)
	assert.Regexp(t, `\n  hostname hash [0-9a-f]{64}\n\nrun 1/1: `, out.stdout)
}

func TestOutputSizes(t *testing.T) {
	t.Parallel()
	requireRunner(t)
	for _, tc := range []struct {
		name             string
		flags            []string
		nOut, nErr       int
		keptOut, keptErr int
	}{
		{"small", nil, 5, 3, 5, 3},
		{"default cap", nil, 10000, 0, adapters.DefaultOutputCapBytes, 0},
		{"exactly the cap", []string{"-output-cap", "100"}, 100, 100, 100, 100},
		{"past the cap", []string{"-output-cap", "100"}, 10000, 300, 100, 100},
		{"capture nothing", []string{"-output-cap", "-1"}, 10000, 300, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			flags := append([]string{"-json"}, tc.flags...)
			out := measure(t, helperArgs(t, "write", flags, strconv.Itoa(tc.nOut), strconv.Itoa(tc.nErr))...)
			require.Equal(t, exitOK, out.code, out.stderr)
			r := decodeRun(t, jsonLines(t, out.stdout, 1)[0])
			require.NotNil(t, r.StdoutTotalBytes)
			assert.Equal(t, uint64(tc.nOut), *r.StdoutTotalBytes)
			require.NotNil(t, r.StderrTotalBytes)
			assert.Equal(t, uint64(tc.nErr), *r.StderrTotalBytes)
			assert.Equal(t, strings.Repeat("o", tc.keptOut), string(r.Stdout))
			assert.Equal(t, strings.Repeat("e", tc.keptErr), string(r.Stderr))
			assert.Equal(t, tc.nOut > tc.keptOut, r.StdoutTruncated)
			assert.Equal(t, tc.nErr > tc.keptErr, r.StderrTruncated)
		})
	}
}

func TestOutputSizesInTable(t *testing.T) {
	t.Parallel()
	requireRunner(t)
	out := measure(t, helperArgs(t, "write", []string{"-output-cap", "100", "-show-output"}, "10000", "7")...)
	require.Equal(t, exitOK, out.code, out.stderr)
	assert.Contains(t, out.stdout, "\n  stdout        10000 B (truncated, 100 B kept)\n")
	assert.Contains(t, out.stdout, "\n  stderr        7 B\n")
	assert.True(t, strings.HasSuffix(out.stdout,
		"\n--- stdout (first 100 of 10000 B) ---\n"+strings.Repeat("o", 100)+"\n"+
			"--- stderr (7 B) ---\n"+strings.Repeat("e", 7)+"\n"), out.stdout)
}

func TestShowOutputEnvAndCwd(t *testing.T) {
	t.Parallel()
	requireRunner(t)
	out := measure(t, helperArgs(t, "getenv",
		[]string{"-show-output", "-env", "PM_VALUE=first", "-env", "PM_VALUE=a=b c"}, "PM_VALUE")...)
	require.Equal(t, exitOK, out.code, out.stderr)
	assert.True(t, strings.HasSuffix(out.stdout, "\n--- stdout (6 B) ---\na=b c\n"), out.stdout)

	dir, err := filepath.EvalSymlinks(t.TempDir())
	require.NoError(t, err)
	out = measure(t, helperArgs(t, "pwd", []string{"-show-output", "-cwd", dir})...)
	require.Equal(t, exitOK, out.code, out.stderr)
	assert.True(t, strings.HasSuffix(out.stdout, "---\n"+dir+"\n"), out.stdout)

	out = measure(t, helperArgs(t, "pwd", []string{"-cwd", filepath.Join(dir, "missing")})...)
	assert.Equal(t, exitFailed, out.code)
	assert.Contains(t, out.stderr, "working directory")
}

func TestRepeatAndSummary(t *testing.T) {
	t.Parallel()
	requireRunner(t)
	args := helperArgs(t, "alloc", []string{"-repeat", "3", "-name", "alloc"}, "256")
	prog := args[len(args)-2]
	out := measure(t, args...)
	require.Equal(t, exitOK, out.code, out.stderr)
	var headings, summary []string
	inSummary := false
	sc := bufio.NewScanner(strings.NewReader(out.stdout))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "run "):
			headings = append(headings, line)
		case strings.HasPrefix(line, "summary"):
			inSummary = true
			summary = append(summary, line)
		case inSummary:
			summary = append(summary, line)
		}
	}
	assert.Equal(t, []string{
		"run 1/3 [alloc]: " + prog + " 256",
		"run 2/3 [alloc]: " + prog + " 256",
		"run 3/3 [alloc]: " + prog + " 256",
	}, headings)
	require.Len(t, summary, 4, out.stdout)
	assert.Equal(t, "summary of 3 runs: min / median / max", summary[0])
	ms := `\d+\.\d{3}`
	assert.Regexp(t, "^  wall ms       "+ms+" / "+ms+" / "+ms+"$", summary[1])
	assert.Regexp(t, "^  cpu ms        "+ms+" / "+ms+" / "+ms+"$", summary[2])
	assert.Regexp(t, `^  max rss KiB   \d+ / \d+(\.5)? / \d+$`, summary[3])
}

func TestStopsAtFirstFailedRun(t *testing.T) {
	t.Parallel()
	sh := unixTool(t, "sh")
	out := measure(t, "-repeat", "3", "--", sh, "-c", "exit 3")
	assert.Equal(t, exitFailed, out.code)
	assert.Contains(t, out.stdout, "run 1/3: ")
	assert.NotContains(t, out.stdout, "run 2/3")
	assert.NotContains(t, out.stdout, "summary")
	assert.Contains(t, out.stderr, "exit status 3")
	assert.Contains(t, out.stderr, "stopped after run 1/3; no summary")

	out = measure(t, "-json", "-repeat", "3", "--", sh, "-c", "exit 3")
	assert.Equal(t, exitFailed, out.code)
	assert.Equal(t, 3, decodeRun(t, jsonLines(t, out.stdout, 1)[0]).ExitCode)
}

func TestWarmup(t *testing.T) {
	t.Parallel()
	sh := unixTool(t, "sh")
	log := filepath.Join(t.TempDir(), "log")
	out := measure(t, "-warmup", "2", "-json", "--", sh, "-c", `echo x >>"$1"`, "sh", log)
	require.Equal(t, exitOK, out.code, out.stderr)
	jsonLines(t, out.stdout, 1)
	written, err := os.ReadFile(log)
	require.NoError(t, err)
	assert.Equal(t, "x\nx\nx\n", string(written), "two warm-up runs and one measured run")

	out = measure(t, "-warmup", "1", "-repeat", "2", "--", sh, "-c", "exit 4")
	assert.Equal(t, exitFailed, out.code)
	assert.Empty(t, out.stdout, "warm-up runs are never reported")
	assert.Contains(t, out.stderr, "warm-up run 1/1: command exited unsuccessfully")
	assert.Contains(t, out.stderr, "exit status 4")
}

func TestInterrupt(t *testing.T) {
	t.Parallel()
	requireRunner(t)

	// Interrupted once the command of run 1 runs, which it announces.
	ready := filepath.Join(t.TempDir(), "ready")
	args := helperArgs(t, "ready-sleep", []string{"-repeat", "2", "-env", readyEnvKey + "=" + ready}, "30s")
	ctx, cancel := context.WithCancelCause(t.Context())
	defer cancel(nil)
	var out outcome
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		out = runMeasure(t, ctx, args...)
	}()
	started := awaitReadyFile(ready, finished)
	interrupted := time.Now()
	cancel(fmt.Errorf("interrupt signal received"))
	<-finished
	require.True(t, started, "the command never signalled it runs: %+v", out)
	assert.Less(t, time.Since(interrupted), 5*time.Second, "the command was killed when ctx ended")
	assert.Equal(t, exitInterrupted, out.code)
	assert.Empty(t, out.stdout, "the interrupted run is not reported")
	assert.Contains(t, out.stderr, "interrupted (interrupt signal received) during run 1/2")

	// Interrupted before the run: the command never starts.
	notStarted := filepath.Join(t.TempDir(), "ready")
	ctx, cancel2 := context.WithCancel(t.Context())
	cancel2()
	out = runMeasure(t, ctx, helperArgs(t, "ready-sleep", []string{"-env", readyEnvKey + "=" + notStarted}, "30s")...)
	assert.Equal(t, exitInterrupted, out.code)
	assert.Empty(t, out.stdout)
	assert.NoFileExists(t, notStarted, "the command never ran")
}

// Formatting, on results given as literals: these run on every platform.

func u64(v uint64) *uint64 { return &v }

func TestRunTableAllNil(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	writeRunTable(&b, "run 1/1: prog", &adapters.RunResult{Wall: 1500 * time.Microsecond, WallMs: 1})
	assert.Equal(t, `run 1/1: prog
  wall          1.500 ms
  exit          0
  timed out     no
  cpu           user n/a, system n/a, total n/a
  max rss       n/a
  page faults   major n/a, minor n/a
  ctx switches  voluntary n/a, involuntary n/a
  block io      read n/a, write n/a
  energy        n/a
  binary        n/a
  stdout        n/a (not captured)
  stderr        n/a (not captured)
`, b.String())
}

func TestRunTableMeasuredZerosAndFigures(t *testing.T) {
	t.Parallel()
	sig := 9
	r := adapters.RunResult{
		Wall:                   2*time.Second + 345678*time.Nanosecond,
		ExitCode:               -1,
		Signal:                 &sig,
		TimedOut:               true,
		UserCPUUs:              u64(1234),
		SystemCPUUs:            u64(0),
		CPUMs:                  u64(1),
		MaxRSSKB:               u64(0),
		PageFaults:             u64(0),
		MinorPageFaults:        u64(77),
		VoluntaryCtxSwitches:   u64(0),
		InvoluntaryCtxSwitches: u64(5),
		IOReadBytes:            u64(4096),
		IOWriteBytes:           u64(0),
		EnergyUJ:               u64(123456),
		BinaryBytes:            u64(35336),
		Stdout:                 []byte("0123456789"),
		StdoutTotalBytes:       u64(20000),
		StdoutTruncated:        true,
		Stderr:                 []byte("warning\n"),
		StderrTotalBytes:       u64(8),
	}
	var b bytes.Buffer
	writeRunTable(&b, "run 2/3 [x]: prog -v", &r)
	want := `run 2/3 [x]: prog -v
  wall          2000.346 ms
  exit          -1 (signal 9: ` + sigName(9) + `)
  timed out     yes
  cpu           user 1.234 ms, system 0.000 ms, total 1.234 ms
  max rss       0 KiB
  page faults   major 0, minor 77
  ctx switches  voluntary 0, involuntary 5
  block io      read 4096 B, write 0 B
  energy        123456 uJ
  binary        35336 B
  stdout        20000 B (truncated, 10 B kept)
  stderr        8 B
`
	assert.Equal(t, want, b.String())

	b.Reset()
	writeCapturedOutput(&b, &r)
	assert.Equal(t, "--- stdout (first 10 of 20000 B) ---\n0123456789\n--- stderr (8 B) ---\nwarning\n", b.String())
}

func TestRunTableCPUFromCPUMsOnly(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	writeRunTable(&b, "h", &adapters.RunResult{CPUMs: u64(12)})
	assert.Contains(t, b.String(), "\n  cpu           user n/a, system n/a, total 12 ms\n")
}

func TestSummary(t *testing.T) {
	t.Parallel()
	ms := time.Millisecond
	full := []adapters.RunResult{
		{Wall: 3 * ms, UserCPUUs: u64(2500), SystemCPUUs: u64(500), MaxRSSKB: u64(300)},
		{Wall: 1 * ms, UserCPUUs: u64(900), SystemCPUUs: u64(100), MaxRSSKB: u64(100)},
		{Wall: 2*ms + 500*time.Microsecond, UserCPUUs: u64(1000), SystemCPUUs: u64(1000), MaxRSSKB: u64(200)},
	}
	var b bytes.Buffer
	writeSummary(&b, full)
	assert.Equal(t, `summary of 3 runs: min / median / max
  wall ms       1.000 / 2.500 / 3.000
  cpu ms        1.000 / 2.000 / 3.000
  max rss KiB   100 / 200 / 300
`, b.String())

	// An even count takes the mean of the middle two; a figure missing
	// from one run leaves its row out rather than summarising some runs.
	b.Reset()
	writeSummary(&b, []adapters.RunResult{
		{Wall: 4 * ms, CPUMs: u64(3), MaxRSSKB: u64(100)},
		{Wall: 1 * ms, MaxRSSKB: u64(201)},
	})
	assert.Equal(t, `summary of 2 runs: min / median / max
  wall ms       1.000 / 2.500 / 4.000
  max rss KiB   100 / 150.5 / 201
`, b.String())
}

func TestHostTableFormat(t *testing.T) {
	t.Parallel()
	cpus := uint32(8)
	hash := strings.Repeat("ab", 32)
	var b bytes.Buffer
	writeHostTable(&b, &adapters.HostInfo{OS: "linux", Arch: "x86_64", CPUCount: &cpus,
		MemoryBytes: u64(16 << 30), HostnameHash: &hash}, true)
	assert.Equal(t, `host
  os            linux
  arch          x86_64
  cpus          8
  memory        17179869184 B (16.0 GiB)
  hostname hash `+hash+`
`, b.String())

	b.Reset()
	writeHostTable(&b, &adapters.HostInfo{}, false)
	assert.Equal(t, `host
  os            n/a
  arch          n/a
  cpus          n/a
  memory        n/a
`, b.String())
}

func TestCommandLine(t *testing.T) {
	t.Parallel()
	assert.Equal(t, `sh -c "exit 3" "" "it's" plain`, commandLine([]string{"sh", "-c", "exit 3", "", "it's", "plain"}))
	assert.Equal(t, `a "\x00"`, commandLine([]string{"a", "\x00"}))
}

func sigName(n int) string { return signalName(n) }

// -tree asks for the whole tree: every figure then says which processes it
// covers, in JSON and in the table, whether or not a cgroup could be made
// here (a plain directory as -cgroup-parent forces the fallback).
func TestTreeScope(t *testing.T) {
	t.Parallel()
	trueProg := unixTool(t, "true")
	out := measure(t, "-json", "-tree", "--", trueProg)
	require.Equal(t, exitOK, out.code, out.stderr)
	r := decodeRun(t, jsonLines(t, out.stdout, 1)[0])
	require.Contains(t, r.Sources, "cpu_ms")

	out = measure(t, "-tree", "-cgroup-parent", t.TempDir(), "--", trueProg)
	require.Equal(t, exitOK, out.code, out.stderr)
	assert.Regexp(t, `\n  cpu scope     process \(wait4\): no cgroup: .+\n`, out.stdout)

	out = measure(t, "-json", "--", trueProg)
	assert.NotContains(t, out.stdout, `"sources"`, "process scope keeps perfgate's JSON")
}
