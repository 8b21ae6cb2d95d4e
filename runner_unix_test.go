//go:build unix

package adapters

import (
	"context"
	"debug/elf"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
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
