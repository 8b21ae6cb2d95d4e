//go:build unix

package adapters

import (
	"context"
	"debug/elf"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/perfgate/adapters/internal/testcap"
)

// touchedMemory returns mib MiB of anonymous memory, every page of it
// written, so that it is all resident. It is mapped directly rather than
// allocated on the Go heap: the race detector would shadow a heap
// allocation, about doubling the peak and making it several times slower
// to touch, while the tests want a child (or caller) of a known size.
func touchedMemory(mib int) []byte {
	if mib <= 0 {
		return nil
	}
	b, err := syscall.Mmap(-1, 0, mib<<20, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		panic(err)
	}
	for i := 0; i < len(b); i += 4096 {
		b[i] = 1
	}
	return b
}

// helperKillSelf sends itself the signal args[0] (a number).
func helperKillSelf(args []string) int {
	sig, _ := strconv.Atoi(args[0])
	_ = syscall.Kill(os.Getpid(), syscall.Signal(sig))
	time.Sleep(10 * time.Second)
	return 99
}

// helperSpin burns args[0] (a duration) of its own CPU time, however
// long that takes on a loaded machine.
func helperSpin(args []string) int {
	want, _ := time.ParseDuration(args[0])
	x := 0
	for {
		var usage syscall.Rusage
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &usage)
		if time.Duration(usage.Utime.Nano()+usage.Stime.Nano()) >= want {
			break
		}
		for i := 0; i < 100000; i++ {
			x += i * i
		}
	}
	if x == 42 {
		return 1
	}
	return 0
}

// helperTree starts a grandchild (this binary as "ignore-term", with
// setsid when args[0] is "setsid"), prints the grandchild's pid and
// signals that it is ready with the pid (signalReady), then either exits
// at once (args[1] "exit") or ignores SIGTERM and sleeps. The grandchild
// inherits stdout and stderr, so it holds the pipes.
func helperTree(args []string) int {
	cmd := exec.Command(helperExe(), "30s")
	cmd.Env = append(os.Environ(), helperEnvKey+"=ignore-term")
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: args[0] == "setsid"}
	if err := cmd.Start(); err != nil {
		return helperUsage("tree: %v", err)
	}
	os.Stdout.WriteString(strconv.Itoa(cmd.Process.Pid) + "\n")
	if err := signalReady(strconv.Itoa(cmd.Process.Pid)); err != nil {
		return helperUsage("tree: %v", err)
	}
	if args[1] == "exit" {
		return 0
	}
	return helperIgnoreTerm([]string{"30s"})
}

// helperIgnoreTerm ignores SIGTERM and sleeps for args[0].
func helperIgnoreTerm(args []string) int {
	signalIgnoreTerm()
	return helperSleep(args)
}

func TestRunExitCodes(t *testing.T) {
	for _, code := range []int{0, 1, 3, 42, 255} {
		res := mustRun(t, helperSpec("exit", strconv.Itoa(code)))
		assert.Equal(t, code, res.ExitCode, "exit code")
		assert.Nil(t, res.Signal)
		assert.False(t, res.TimedOut)
		assert.Equal(t, code == 0, res.Succeeded())
	}
}

func TestRunSignalled(t *testing.T) {
	res := mustRun(t, helperSpec("kill-self", strconv.Itoa(int(syscall.SIGTERM))))
	assert.Equal(t, -1, res.ExitCode)
	require.NotNil(t, res.Signal)
	assert.Equal(t, int(syscall.SIGTERM), *res.Signal)
	assert.False(t, res.TimedOut)
	err := res.Err()
	require.ErrorIs(t, err, ErrNonZeroExit)
	assert.Contains(t, err.Error(), "terminated by signal 15")
}

func TestRunFigures(t *testing.T) {
	exeInfo, err := os.Stat(helperExe())
	require.NoError(t, err)
	res := mustRun(t, helperSpec("spin", "200ms"))
	require.NotNil(t, res.CPUMs)
	require.NotNil(t, res.UserCPUUs)
	require.NotNil(t, res.SystemCPUUs)
	assert.GreaterOrEqual(t, *res.CPUMs, uint64(200), "the spin used 200 ms of CPU")
	assert.Equal(t, (*res.UserCPUUs+*res.SystemCPUUs)/1000, *res.CPUMs)
	assert.Greater(t, *res.UserCPUUs, *res.SystemCPUUs, "a spin runs in user mode")
	require.NotNil(t, res.BinaryBytes)
	assert.Equal(t, uint64(exeInfo.Size()), *res.BinaryBytes)
	// max_rss_kb is covered by the MaxRSS tests: it may be withheld here.
	for name, p := range map[string]*uint64{"page_faults": res.PageFaults,
		"minor_page_faults": res.MinorPageFaults, "ctx_switches": res.CtxSwitches} {
		assert.NotNil(t, p, name)
	}
	assert.Greater(t, *res.MinorPageFaults, uint64(0), "a Go program faults pages in")
	assert.Equal(t, *res.VoluntaryCtxSwitches+*res.InvoluntaryCtxSwitches, *res.CtxSwitches)
	assert.Nil(t, res.NetworkPackets, "no honest per-process source")
	if runtime.GOOS == "linux" {
		assert.NotNil(t, res.IOReadBytes)
		assert.NotNil(t, res.IOWriteBytes)
	} else {
		assert.Nil(t, res.IOReadBytes, "BSD block counts are operations, not bytes")
	}
	assert.Equal(t, uint64(res.Wall/time.Millisecond), res.WallMs)
}

// A run after a bigger one gets its own peak, not the bigger one's:
// getrusage(RUSAGE_CHILDREN) would report the earlier 200 MiB here. Both
// figures must be there, on every Unix: on Linux both runs go through the
// spawner (childsOwnRSSRunner), since a direct spawn withholds the figure
// of a child smaller than the caller (TestRunMaxRSSNotFlooredByCaller).
func TestRunMaxRSSIsTheChildsOwn(t *testing.T) {
	runner := childsOwnRSSRunner(t)
	run := func(mib int) RunResult {
		t.Helper()
		res, err := runner.Run(context.Background(), helperSpec("alloc", strconv.Itoa(mib)))
		require.NoError(t, err)
		require.Equal(t, 0, res.ExitCode, "stderr: %s", res.Stderr)
		return res
	}
	big := run(200)
	// 50 MiB: far below the big run, and above the spawner's floor even
	// under the race detector (TestSpawnerFloorIsSmall).
	small := run(50)
	require.NotNil(t, big.MaxRSSKB)
	assert.GreaterOrEqual(t, *big.MaxRSSKB, uint64(200<<10), "200 MiB touched")
	require.NotNil(t, small.MaxRSSKB, "the small run's own peak is measured")
	assert.GreaterOrEqual(t, *small.MaxRSSKB, uint64(50<<10), "50 MiB touched")
	assert.Less(t, *small.MaxRSSKB, uint64(200<<10), "a small run after a big one is not the big one's peak")
	t.Logf("max_rss_kb: 200 MiB child %d, 50 MiB child %d", *big.MaxRSSKB, *small.MaxRSSKB)
}

// The runner adds no latency of its own (polling for the exit would): a
// 25 ms sleep is measured by the runner and, at the same moment, by
// os/exec (a blocking wait, the reference), so that a loaded machine
// delays both alike. The median of five differences is robust to a run
// that the load delays more than its partner.
func TestRunWallTimeOfShortSleep(t *testing.T) {
	if _, err := os.Stat("/bin/sleep"); err != nil {
		testcap.SkipUnlessCapable(t, "bin-sleep", err.Error())
	}
	const pairs = 5
	diffs := make([]time.Duration, 0, pairs)
	for i := 0; i < pairs; i++ {
		var res RunResult
		var runErr error
		done := make(chan struct{})
		go func() {
			defer close(done)
			var runner StdProcessRunner
			res, runErr = runner.Run(context.Background(), CommandSpec{Argv: []string{"/bin/sleep", "0.025"}, Timeout: time.Minute})
		}()
		start := time.Now()
		require.NoError(t, exec.Command("/bin/sleep", "0.025").Run())
		reference := time.Since(start)
		<-done
		require.NoError(t, runErr)
		assert.Equal(t, 0, res.ExitCode)
		assert.GreaterOrEqual(t, res.Wall, 25*time.Millisecond)
		diffs = append(diffs, res.Wall-reference)
	}
	slices.Sort(diffs)
	assert.Less(t, diffs[pairs/2], 10*time.Millisecond, "runner wall time minus os/exec's: %v", diffs)
}

// TestRunTimeoutKillsTree kills the run at its deadline; its grandchild,
// if the helper got to start it, dies with it.
func TestRunTimeoutKillsTree(t *testing.T) {
	const timeout = time.Second
	spec, ready := withReadyFile(t, helperSpec("tree", "group", "stay"))
	spec.Timeout = timeout
	start := time.Now()
	res := mustRun(t, spec)
	elapsed := time.Since(start)
	assert.True(t, res.TimedOut)
	assert.Equal(t, -1, res.ExitCode)
	require.NotNil(t, res.Signal)
	assert.Equal(t, int(syscall.SIGKILL), *res.Signal)
	assert.GreaterOrEqual(t, res.Wall, timeout)
	assert.Less(t, elapsed, timeout+5*time.Second)
	require.ErrorIs(t, res.Err(), ErrTimeout)
	assertTreeGone(t, res, ready)
}

// assertTreeGone checks that no process of a tree helper's run killed at
// its deadline survives, however far the helper got before the deadline,
// which the test cannot choose: the grandchild, when the helper started
// it (printed its pid, then created its ready file), and on Linux every
// process whose environment names the run's ready file, which all of the
// run's processes inherit.
func assertTreeGone(t *testing.T, res RunResult, ready string) {
	t.Helper()
	if len(res.Stdout) > 0 {
		grandchild := parsePid(t, res.Stdout)
		if announced, err := os.ReadFile(ready); err == nil {
			assert.Equal(t, string(announced), strconv.Itoa(grandchild))
		}
		assertGone(t, grandchild)
	} else {
		t.Logf("the deadline came before the helper started its grandchild")
	}
	assertNoProcessWithEnv(t, readyEnvKey+"="+ready)
}

func TestRunKillsLeftoversInGroup(t *testing.T) {
	res := mustRun(t, helperSpec("tree", "group", "exit"))
	assert.Equal(t, 0, res.ExitCode)
	assert.False(t, res.TimedOut)
	assert.Less(t, res.Wall, 5*time.Second)
	assertGone(t, parsePid(t, res.Stdout))
}

func TestRunEscapedDescendantHoldingPipes(t *testing.T) {
	runner := StdProcessRunner{PipeGrace: 200 * time.Millisecond}
	start := time.Now()
	res, err := runner.Run(context.Background(), helperSpec("tree", "setsid", "exit"))
	elapsed := time.Since(start)
	require.NoError(t, err)
	daemon := parsePid(t, res.Stdout)
	t.Cleanup(func() { _ = syscall.Kill(daemon, syscall.SIGKILL) })
	assert.Equal(t, 0, res.ExitCode)
	assert.Less(t, res.Wall, 5*time.Second, "wall time ends when the child exits")
	assert.Less(t, elapsed, res.Wall+200*time.Millisecond+2*time.Second, "Run waits at most the grace")
	assert.GreaterOrEqual(t, elapsed, res.Wall+200*time.Millisecond, "the daemon held the pipes for the whole grace")
	assert.NoError(t, syscall.Kill(daemon, 0), "a setsid daemon is outside the group and survives (documented)")
}

func TestRunContextCancel(t *testing.T) {
	// Cancelled once the grandchild runs, which the helper announces.
	run := runCancelledWhenReady(t, StdProcessRunner{}, helperSpec("tree", "group", "stay"))
	res, err := run.res, run.err
	require.Error(t, err)
	assert.ErrorIs(t, err, context.Canceled)
	assert.ErrorIs(t, err, ErrKilled)
	assert.NotErrorIs(t, err, ErrRunCommand)
	assert.Less(t, run.afterCancel, 5*time.Second, "Run returns soon after the cancel")
	require.NotNil(t, res.Signal)
	assert.Equal(t, int(syscall.SIGKILL), *res.Signal)
	assert.False(t, res.TimedOut)
	grandchild := parsePid(t, res.Stdout)
	assert.Equal(t, run.ready, strconv.Itoa(grandchild), "the output printed before the cancel is kept")
	assertGone(t, grandchild)
}

func TestRunEnvAndCwd(t *testing.T) {
	t.Setenv("PERFGATE_INHERITED", "parent")
	t.Setenv("PERFGATE_OVERRIDDEN", "parent")
	spec := helperSpec("env", "PERFGATE_INHERITED", "PERFGATE_OVERRIDDEN", "PERFGATE_ADDED")
	spec.Env = append(spec.Env,
		EnvVar{"PERFGATE_OVERRIDDEN", "first"},
		EnvVar{"PERFGATE_ADDED", "x"},
		EnvVar{"PERFGATE_OVERRIDDEN", "spec"})
	res := mustRun(t, spec)
	assert.Equal(t, "parent\nspec\nx\n", string(res.Stdout))

	dir := t.TempDir()
	spec = helperSpec("pwd")
	spec.Cwd = dir
	res = mustRun(t, spec)
	want, err := filepath.EvalSymlinks(dir)
	require.NoError(t, err)
	assert.Equal(t, want+"\n", string(res.Stdout))
}

// installHelper links this test binary into a fresh directory as name.
func installHelper(t *testing.T, name string) string {
	dir := t.TempDir()
	require.NoError(t, os.Symlink(helperExe(), filepath.Join(dir, name)))
	return dir
}

func TestRunProgramLookup(t *testing.T) {
	dir := installHelper(t, "perfgate-helper")
	info, err := os.Stat(helperExe())
	require.NoError(t, err)

	// The spec's own PATH is searched, not the caller's.
	spec := helperSpec("exit", "7")
	spec.Argv[0] = "perfgate-helper"
	spec.Env = append(spec.Env, EnvVar{"PATH", "/nonexistent:" + dir})
	res := mustRun(t, spec)
	assert.Equal(t, 7, res.ExitCode)
	assert.Equal(t, uint64(info.Size()), *res.BinaryBytes, "size of the resolved target")

	// A relative path resolves against Cwd.
	spec = helperSpec("exit", "8")
	spec.Argv[0] = "./perfgate-helper"
	spec.Cwd = dir
	res = mustRun(t, spec)
	assert.Equal(t, 8, res.ExitCode)
}

func TestRunBadInputs(t *testing.T) {
	dir := t.TempDir()
	notExec := filepath.Join(dir, "data.txt")
	require.NoError(t, os.WriteFile(notExec, []byte("#!/bin/sh\n"), 0o644))
	checkBadInputs(t, append(commonBadInputs(dir, notExec),
		badInput{"not executable", CommandSpec{Argv: []string{notExec}}, ErrRunCommand, fs.ErrPermission, "not executable"},
	))
}

func TestRunConcurrentRunsGetOwnFigures(t *testing.T) {
	results := runConcurrently(t, StdProcessRunner{}, 6, func(i int) CommandSpec {
		if i%2 == 0 {
			return helperSpec("spin", "1s")
		}
		return helperSpec("sleep", "1s")
	})
	for i, res := range results {
		require.NotNil(t, res.CPUMs)
		if i%2 == 0 {
			assert.GreaterOrEqual(t, *res.CPUMs, uint64(1000), "spinner %d", i)
		} else if !emulated() {
			// Diffing RUSAGE_CHILDREN would charge a sleeper the spinners'
			// CPU that finished meanwhile (1 s each, up to 3 s here). A
			// sleeper's own CPU is its start-up: 172 ms was seen for a
			// -race helper beside two CPU burners. Under an emulator it is
			// the emulator's start-up.
			assert.Less(t, *res.CPUMs, uint64(600), "sleeper %d", i)
		}
	}
}

// emulated says whether this test binary runs under a user-mode emulator
// (qemu-user through binfmt_misc, as CI runs the linux/arm64 tests): the
// machine's own programs (/bin/sh) are then built for another
// architecture than this binary. The emulator answers uname and
// /proc/self/exe as the emulated machine would, so they cannot tell.
// Figures there are the emulator's; a test may leave out what only the
// real machine gives.
func emulated() bool {
	f, err := elf.Open("/bin/sh")
	if err != nil {
		return false
	}
	defer f.Close()
	own, ok := map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64, "386": elf.EM_386,
		"arm": elf.EM_ARM, "riscv64": elf.EM_RISCV, "ppc64le": elf.EM_PPC64, "s390x": elf.EM_S390}[runtime.GOARCH]
	return ok && f.Machine != own
}

func TestRunLeavesNothingBehind(t *testing.T) {
	var runner StdProcessRunner
	runOnce := func() {
		_, _ = runner.Run(context.Background(), helperSpec("exit", "0"))
		_, _ = runner.Run(context.Background(), CommandSpec{Argv: []string{"perfgate-no-such-program"}})
		_, _ = runner.Run(context.Background(), CommandSpec{Argv: []string{helperExe()}, Env: []EnvVar{{"", ""}}})
		spec := helperSpec("sleep", "10s")
		spec.Timeout = 20 * time.Millisecond
		_, _ = runner.Run(context.Background(), spec)
		_, _ = runner.Run(context.Background(), helperSpec("write", "both", "100000"))
	}
	runOnce() // warm up lazily opened runtime descriptors
	fds, goroutines := openDescriptors(t), runtime.NumGoroutine()
	for i := 0; i < 8; i++ {
		runOnce()
	}
	assert.Equal(t, fds, openDescriptors(t), "descriptors leaked")
	// Polled by hand (assert.Eventually runs goroutines of its own). Fewer
	// is fine: a goroutine of an earlier test may end meanwhile.
	assert.LessOrEqual(t, awaitGoroutinesAtMost(goroutines), goroutines, "goroutines leaked")
	var status syscall.WaitStatus
	const wnohang = 0x1 // WNOHANG on every Unix; aix's syscall lacks the name
	_, err := syscall.Wait4(-1, &status, wnohang, nil)
	assert.ErrorIs(t, err, syscall.ECHILD, "an unreaped child is left")
}

func openDescriptors(t *testing.T) int {
	entries, err := os.ReadDir("/dev/fd")
	require.NoError(t, err)
	return len(entries)
}

// goneDeadline is how long assertGone waits for a killed process to end:
// long, since a loaded machine may take a while to tear one down, and only
// a failing test waits that long.
const goneDeadline = 20 * time.Second

// assertGone checks that pid has ended: it no longer exists, or it is a
// zombie waiting for a reaper that is not us.
func assertGone(t *testing.T, pid int) {
	t.Helper()
	assert.Eventually(t, func() bool {
		if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
			return true
		}
		if _, err := os.Stat("/proc/self/stat"); err != nil {
			return false // no procfs to tell a zombie: wait for ESRCH
		}
		stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			return errors.Is(err, fs.ErrNotExist)
		}
		_, after, _ := strings.Cut(string(stat), ") ")
		return strings.HasPrefix(after, "Z")
	}, goneDeadline, 10*time.Millisecond, "process %d survived", pid)
}
