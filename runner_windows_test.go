package adapters

// The Windows runner against real children (the helper-process pattern of
// helper_process_test.go). CI runs these under Wine (scripts/wine-test.sh).
//
// Wine is faithful for exit codes, job objects (a whole tree terminated,
// kill-on-close), suspended starts, waits, pipes, wall time, host memory and
// CPU count: those are asserted exactly everywhere. It fakes other figures:
// GetProcessTimes of another process returns the caller's CPU time,
// GetProcessIoCounters returns zeros, K32GetProcessMemoryInfo returns zeros
// once the process has exited, and job accounting returns zeros (basic)
// or fails (basic + I/O). Under Wine (underWine) those figures are checked
// for presence or plausibility only; on a real Windows machine the same
// tests check real values.

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/windows"
)

// touchedMemory returns mib MiB of memory, every page of it written, so
// that it is all resident (the Unix tests map it directly, away from the
// race detector's shadow).
func touchedMemory(mib int) []byte {
	b := make([]byte, mib<<20)
	for i := 0; i < len(b); i += 4096 {
		b[i] = 1
	}
	return b
}

// filetimeSpan converts a FILETIME interval (100 ns units).
func filetimeSpan(ft windows.Filetime) time.Duration {
	return time.Duration(int64(ft.HighDateTime)<<32|int64(ft.LowDateTime)) * 100
}

// kernel32DLL is kernel32.dll, for the calls x/sys/windows does not wrap.
var kernel32DLL = windows.NewLazySystemDLL("kernel32.dll")

// callProc calls a kernel32 function that returns a BOOL and says whether
// it succeeded; a function the system lacks fails instead of panicking.
func callProc(proc *windows.LazyProc, args ...uintptr) bool {
	if proc.Find() != nil {
		return false
	}
	ok, _, _ := proc.Call(args...)
	return ok != 0
}

// underWine reports whether the tests run under Wine, whose ntdll alone
// exports wine_get_version.
var underWine = sync.OnceValue(func() bool {
	return windows.NewLazySystemDLL("ntdll.dll").NewProc("wine_get_version").Find() == nil
})

// helperSpin burns args[0] (a duration) of its own CPU time, however long
// that takes on a loaded machine. Its own times are right under Wine too.
func helperSpin(args []string) int {
	want, _ := time.ParseDuration(args[0])
	x := 0
	for {
		var creation, exit, kernel, user windows.Filetime
		_ = windows.GetProcessTimes(windows.CurrentProcess(), &creation, &exit, &kernel, &user)
		if filetimeSpan(user)+filetimeSpan(kernel) >= want {
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

// helperEnvAll prints every environment entry whose key is args[0],
// compared case-insensitively, one per line.
func helperEnvAll(args []string) int {
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.EqualFold(k, args[0]) {
			fmt.Println(kv)
		}
	}
	return 0
}

func TestRunExitCodes(t *testing.T) {
	for _, tc := range []struct {
		status string
		want   int
	}{
		{"0", 0}, {"1", 1}, {"3", 3}, {"42", 42}, {"255", 255}, {"256", 256},
		{"259", 259}, // STILL_ACTIVE: still an exit code once the wait is over
		{"-2", -2},
		// Exit codes are 32 bits, read as signed as perfgate does:
		// 0xC0000005 (an access violation) is -1073741819.
		{"3221225477", -1073741819},
	} {
		res := mustRun(t, helperSpec("exit", tc.status))
		assert.Equal(t, tc.want, res.ExitCode, "exit %s", tc.status)
		assert.Nil(t, res.Signal, "no signals on Windows")
		assert.False(t, res.TimedOut)
		assert.Equal(t, tc.want == 0, res.Succeeded())
	}
	res := mustRun(t, helperSpec("exit", "3"))
	err := res.Err()
	require.ErrorIs(t, err, ErrNonZeroExit)
	assert.Contains(t, err.Error(), "exit status 3")
}

func TestRunFigures(t *testing.T) {
	exeInfo, err := os.Stat(helperExe())
	require.NoError(t, err)
	res := mustRun(t, helperSpec("spin", "200ms"))
	require.Equal(t, 0, res.ExitCode)
	require.NotNil(t, res.CPUMs)
	require.NotNil(t, res.UserCPUUs)
	require.NotNil(t, res.SystemCPUUs)
	assert.Equal(t, (*res.UserCPUUs+*res.SystemCPUUs)/1000, *res.CPUMs)
	require.NotNil(t, res.PageFaults)
	require.NotNil(t, res.IOReadBytes)
	require.NotNil(t, res.IOWriteBytes)
	if underWine() {
		// Wine fakes these figures (see the file comment): present only;
		// the peak working set is unknown after the exit (nil), or real.
		if res.MaxRSSKB != nil {
			assert.GreaterOrEqual(t, *res.MaxRSSKB, uint64(1024), "a Go program's working set")
		}
	} else {
		assert.GreaterOrEqual(t, *res.CPUMs, uint64(200), "the spin used 200 ms of CPU")
		assert.Greater(t, *res.UserCPUUs, *res.SystemCPUUs, "a spin runs in user mode")
		assert.Greater(t, *res.PageFaults, uint64(0), "a Go program faults pages in")
		require.NotNil(t, res.MaxRSSKB)
		assert.GreaterOrEqual(t, *res.MaxRSSKB, uint64(1024), "a Go program's working set")
	}
	require.NotNil(t, res.BinaryBytes)
	assert.Equal(t, uint64(exeInfo.Size()), *res.BinaryBytes)
	assert.Nil(t, res.MinorPageFaults, "Windows counts soft and hard faults together")
	assert.Nil(t, res.CtxSwitches, "no per-process count on Windows")
	assert.Nil(t, res.VoluntaryCtxSwitches)
	assert.Nil(t, res.InvoluntaryCtxSwitches)
	assert.Nil(t, res.NetworkPackets)
	assert.Nil(t, res.Signal)
	assert.Nil(t, res.EnergyUJ)
	assert.Equal(t, uint64(res.Wall/time.Millisecond), res.WallMs)
}

func TestRunIOBytes(t *testing.T) {
	res := mustRun(t, helperSpec("write", "stdout", strconv.Itoa(1<<20)))
	require.Equal(t, 0, res.ExitCode)
	require.NotNil(t, res.IOWriteBytes)
	require.NotNil(t, res.IOReadBytes)
	if !underWine() { // Wine's I/O counters are all zero
		assert.GreaterOrEqual(t, *res.IOWriteBytes, uint64(1<<20), "the helper wrote 1 MiB to its pipe")
	}
}

func TestRunMaxRSSIsTheChildsOwn(t *testing.T) {
	big := mustRun(t, helperSpec("alloc", "200"))
	small := mustRun(t, helperSpec("alloc", "1"))
	if underWine() {
		// Wine zeroes an exited process's memory counters: no figure, or
		// a real one.
		if big.MaxRSSKB != nil {
			assert.GreaterOrEqual(t, *big.MaxRSSKB, uint64(200<<10))
		}
	} else {
		require.NotNil(t, big.MaxRSSKB)
		assert.GreaterOrEqual(t, *big.MaxRSSKB, uint64(200<<10), "200 MiB touched")
		require.NotNil(t, small.MaxRSSKB)
	}
	if small.MaxRSSKB != nil {
		assert.Less(t, *small.MaxRSSKB, uint64(100<<10), "a small run after a big one")
	}
}

// CPU time covers the whole tree: here the child only waits while its
// grandchild spins.
func TestRunCPUCoversTheTree(t *testing.T) {
	res := mustRun(t, treeSpec("wait", "spin", "300ms", false))
	require.Equal(t, 0, res.ExitCode)
	require.NotNil(t, res.CPUMs)
	if !underWine() { // Wine's job accounting is all zero
		assert.GreaterOrEqual(t, *res.CPUMs, uint64(300), "the grandchild's 300 ms of CPU")
	}
}

func TestRunWallTime(t *testing.T) {
	// Process start-up is in the wall time and varies (tens of ms under
	// Wine), so a sleep is compared with a run that does not sleep, in
	// interleaved rounds, the best of each: the sleep is all in the wall
	// time, and nothing (no polling) adds to it.
	zero, sleep := time.Hour, time.Hour
	for i := 0; i < 5; i++ {
		for _, tc := range []struct {
			arg  string
			best *time.Duration
		}{{"0s", &zero}, {"200ms", &sleep}} {
			res := mustRun(t, helperSpec("sleep", tc.arg))
			require.Equal(t, 0, res.ExitCode)
			*tc.best = min(*tc.best, res.Wall)
		}
	}
	assert.GreaterOrEqual(t, sleep, 200*time.Millisecond)
	// 100 ms of slack: a Wine process's exit varies by tens of ms.
	assert.Less(t, sleep, zero+300*time.Millisecond, "wall %v for 200ms, %v for 0s", sleep, zero)
}

// A child that exits on its own before its deadline did not time out.
func TestRunExitBeforeTimeout(t *testing.T) {
	spec := helperSpec("exit", "-1")
	spec.Timeout = 10 * time.Second
	res := mustRun(t, spec)
	assert.False(t, res.TimedOut)
	assert.Equal(t, -1, res.ExitCode, "the child's own -1")
}

func TestRunEnvAndCwd(t *testing.T) {
	t.Setenv("PERFGATE_INHERITED", "parent")
	t.Setenv("PERFGATE_OVERRIDDEN", "parent")
	spec := helperSpec("env", "PERFGATE_INHERITED", "PERFGATE_OVERRIDDEN", "PERFGATE_ADDED")
	spec.Env = append(spec.Env,
		EnvVar{"PERFGATE_OVERRIDDEN", "first"},
		EnvVar{"PERFGATE_ADDED", "x"},
		EnvVar{"perfgate_overridden", "spec"}) // keys fold case on Windows
	res := mustRun(t, spec)
	assert.Equal(t, "parent\nspec\nx\n", string(res.Stdout))

	spec = helperSpec("env-all", "PERFGATE_OVERRIDDEN")
	spec.Env = append(spec.Env, EnvVar{"Perfgate_Overridden", "spec"})
	res = mustRun(t, spec)
	assert.Equal(t, "Perfgate_Overridden=spec\n", string(res.Stdout), "the key reaches the child once")

	dir := t.TempDir()
	spec = helperSpec("pwd")
	spec.Cwd = dir
	res = mustRun(t, spec)
	want, err := os.Stat(dir)
	require.NoError(t, err)
	got, err := os.Stat(strings.TrimSuffix(string(res.Stdout), "\n"))
	require.NoError(t, err, "pwd printed %q", res.Stdout)
	assert.True(t, os.SameFile(want, got), "pwd printed %q, want %q", res.Stdout, dir)
}

// installHelper copies this test binary into dir as name. (A hard link
// would do on Unix; on Windows a link of a running image cannot be deleted,
// so the temporary directory could not be removed.)
func installHelper(t *testing.T, dir, name string) {
	t.Helper()
	src, err := os.Open(helperExe())
	require.NoError(t, err)
	defer src.Close()
	dst, err := os.Create(filepath.Join(dir, name))
	require.NoError(t, err)
	_, err = io.Copy(dst, src)
	require.NoError(t, err)
	require.NoError(t, dst.Close())
}

func TestRunProgramLookup(t *testing.T) {
	dir := t.TempDir()
	installHelper(t, dir, "perfgate-helper.exe")
	installHelper(t, dir, "perfgate-other.tst")
	info, err := os.Stat(helperExe())
	require.NoError(t, err)

	// The spec's own PATH is searched, with PATHEXT.
	spec := helperSpec("exit", "7")
	spec.Argv[0] = "perfgate-helper"
	spec.Env = append(spec.Env, EnvVar{"PATH", `C:\nonexistent;` + dir})
	res := mustRun(t, spec)
	assert.Equal(t, 7, res.ExitCode)
	require.NotNil(t, res.BinaryBytes)
	assert.Equal(t, uint64(info.Size()), *res.BinaryBytes, "size of the resolved file")

	// The spec's own PATHEXT, key case folded.
	spec = helperSpec("exit", "6")
	spec.Argv[0] = "perfgate-other"
	spec.Env = append(spec.Env, EnvVar{"Path", dir}, EnvVar{"PathExt", ".TST"})
	res = mustRun(t, spec)
	assert.Equal(t, 6, res.ExitCode)

	// A relative path resolves against Cwd and gets its extension.
	spec = helperSpec("exit", "8")
	spec.Argv[0] = `.\perfgate-helper`
	spec.Cwd = dir
	res = mustRun(t, spec)
	assert.Equal(t, 8, res.ExitCode)

	// A relative Cwd and a relative path: resolved once, not twice.
	t.Chdir(filepath.Dir(dir))
	spec = helperSpec("exit", "9")
	spec.Argv[0] = `.\perfgate-helper`
	spec.Cwd = filepath.Base(dir)
	res = mustRun(t, spec)
	assert.Equal(t, 9, res.ExitCode)
}

func TestRunBadInputs(t *testing.T) {
	dir := t.TempDir()
	noExt := filepath.Join(dir, "data")
	require.NoError(t, os.WriteFile(noExt, []byte("data"), 0o644))
	notProgram := filepath.Join(dir, "data.txt")
	require.NoError(t, os.WriteFile(notProgram, []byte("data"), 0o644))
	checkBadInputs(t, append(commonBadInputs(dir, notProgram),
		badInput{"no PATHEXT extension", CommandSpec{Argv: []string{noExt}}, ErrRunCommand, fs.ErrPermission, "not executable"},
		badInput{"not a program", CommandSpec{Argv: []string{notProgram}}, ErrRunCommand, windows.ERROR_BAD_EXE_FORMAT, "cannot start program"},
	))
}

func TestRunConcurrentRunsGetOwnFigures(t *testing.T) {
	results := runConcurrently(t, StdProcessRunner{}, 6, func(i int) CommandSpec {
		if i%2 == 0 {
			return helperSpec("spin", "300ms")
		}
		return helperSpec("sleep", "300ms")
	})
	for i, res := range results {
		require.Equal(t, 0, res.ExitCode)
		require.NotNil(t, res.CPUMs)
		if underWine() { // Wine's per-process and job CPU times are not the child's
			continue
		}
		if i%2 == 0 {
			assert.GreaterOrEqual(t, *res.CPUMs, uint64(300), "spinner %d", i)
		} else {
			assert.Less(t, *res.CPUMs, uint64(150), "sleeper %d", i)
		}
	}
}
