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
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unsafe"

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

// helperTree starts a grandchild (this binary as the helper args[1] with
// the argument args[2]), prints the grandchild's pid and signals that it
// is ready with the pid (signalReady), then exits at once
// (args[0] "exit"), sleeps 30 s ("stay") or waits for the grandchild
// ("wait"). The grandchild inherits stdout and stderr, so it holds the
// pipes. With args[3], the pid of a process outside the run's job (the
// test process), the grandchild escapes the job (startEscaped).
func helperTree(args []string) int {
	if len(args) != 3 && len(args) != 4 {
		return helperUsage("tree exit|stay|wait HELPER ARG [PARENT-PID]")
	}
	exe := helperExe()
	argv := []string{exe, args[2]}
	// Windows keeps the first of duplicate keys: replace ours.
	env := mergeEnv(os.Environ(), []EnvVar{{helperEnvKey, args[1]}}, true)
	var pid int
	var handle uintptr
	var err error
	if len(args) == 4 {
		parentPid, _ := strconv.Atoi(args[3])
		pid, err = startEscaped(parentPid, argv, env)
	} else {
		null, nullErr := os.Open(os.DevNull)
		if nullErr != nil {
			return helperUsage("tree: %v", nullErr)
		}
		attr := &syscall.ProcAttr{Env: env, Files: []uintptr{null.Fd(), os.Stdout.Fd(), os.Stderr.Fd()}}
		pid, handle, err = syscall.StartProcess(exe, argv, attr)
	}
	if err != nil {
		return helperUsage("tree: %v", err)
	}
	os.Stdout.WriteString(strconv.Itoa(pid) + "\n")
	if err := signalReady(strconv.Itoa(pid)); err != nil {
		return helperUsage("tree: %v", err)
	}
	switch args[0] {
	case "exit":
		return 0
	case "wait":
		if handle != 0 {
			_, _ = windows.WaitForSingleObject(windows.Handle(handle), windows.INFINITE)
		}
		return 0
	default:
		time.Sleep(30 * time.Second)
		return 0
	}
}

// startEscaped starts argv with env as a child of the process parentPid
// (PROC_THREAD_ATTRIBUTE_PARENT_PROCESS), from which it inherits its job,
// none for the test process, rather than from us. It gets our stdout and
// stderr and the null device as stdin.
//
// syscall.StartProcess can do this (SysProcAttr.ParentProcess), but it
// takes back the handle copies it makes in the parent with a NULL target
// process, which Wine ignores: the test process would keep the pipes open
// and the test would not be about the escaped process. Here they are taken
// back with a real target.
func startEscaped(parentPid int, argv, env []string) (int, error) {
	parent, err := windows.OpenProcess(windows.PROCESS_CREATE_PROCESS|windows.PROCESS_DUP_HANDLE, false, uint32(parentPid))
	if err != nil {
		return 0, fmt.Errorf("open parent: %w", err)
	}
	defer windows.CloseHandle(parent)
	null, err := os.Open(os.DevNull)
	if err != nil {
		return 0, err
	}
	defer null.Close()
	self := windows.CurrentProcess()
	// Handles are inherited from the parent, so they must be the parent's.
	var inParent [3]windows.Handle
	defer func() {
		for _, h := range inParent {
			var local windows.Handle
			if h != 0 && windows.DuplicateHandle(parent, h, self, &local, 0, false, windows.DUPLICATE_CLOSE_SOURCE) == nil {
				_ = windows.CloseHandle(local)
			}
		}
	}()
	for i, f := range []*os.File{null, os.Stdout, os.Stderr} {
		if err := windows.DuplicateHandle(self, windows.Handle(f.Fd()), parent, &inParent[i], 0, true, windows.DUPLICATE_SAME_ACCESS); err != nil {
			return 0, fmt.Errorf("duplicate handle: %w", err)
		}
	}
	attrs, err := windows.NewProcThreadAttributeList(2)
	if err != nil {
		return 0, err
	}
	defer attrs.Delete()
	if err := attrs.Update(windows.PROC_THREAD_ATTRIBUTE_PARENT_PROCESS, unsafe.Pointer(&parent), unsafe.Sizeof(parent)); err != nil {
		return 0, err
	}
	if err := attrs.Update(windows.PROC_THREAD_ATTRIBUTE_HANDLE_LIST, unsafe.Pointer(&inParent[0]), unsafe.Sizeof(inParent)); err != nil {
		return 0, err
	}
	si := windows.StartupInfoEx{ProcThreadAttributeList: attrs.List()}
	si.Cb = uint32(unsafe.Sizeof(si))
	si.Flags = windows.STARTF_USESTDHANDLES
	si.StdInput, si.StdOutput, si.StdErr = inParent[0], inParent[1], inParent[2]
	exe, err := windows.UTF16PtrFromString(argv[0])
	if err != nil {
		return 0, err
	}
	cmdline, err := windows.UTF16PtrFromString(windows.ComposeCommandLine(argv))
	if err != nil {
		return 0, err
	}
	var block []uint16
	for _, kv := range env {
		block = append(block, windows.StringToUTF16(kv)...) // with its NUL
	}
	block = append(block, 0)
	var pi windows.ProcessInformation
	err = windows.CreateProcess(exe, cmdline, nil, nil, true,
		windows.CREATE_UNICODE_ENVIRONMENT|windows.EXTENDED_STARTUPINFO_PRESENT, &block[0], nil, &si.StartupInfo, &pi)
	if err != nil {
		return 0, err
	}
	_ = windows.CloseHandle(pi.Thread)
	_ = windows.CloseHandle(pi.Process)
	return int(pi.ProcessId), nil
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

// treeSpec runs the tree helper: the child does what, its grandchild runs
// helper with arg.
func treeSpec(what, helper, arg string, escape bool) CommandSpec {
	args := []string{what, helper, arg}
	if escape {
		args = append(args, strconv.Itoa(os.Getpid()))
	}
	return helperSpec("tree", args...)
}

// processAlive reports whether pid is a process that has not exited.
func processAlive(pid int) bool {
	h, err := windows.OpenProcess(windows.SYNCHRONIZE|windows.PROCESS_QUERY_LIMITED_INFORMATION, false, uint32(pid))
	if err != nil {
		// ERROR_INVALID_PARAMETER: no such process. Anything else (access
		// denied) means it exists.
		return !errors.Is(err, windows.ERROR_INVALID_PARAMETER)
	}
	defer windows.CloseHandle(h)
	event, err := windows.WaitForSingleObject(h, 0)
	return err == nil && event == uint32(windows.WAIT_TIMEOUT)
}

func assertGone(t *testing.T, pid int) {
	t.Helper()
	assert.Eventually(t, func() bool { return !processAlive(pid) }, 2*time.Second, 10*time.Millisecond, "process %d survived", pid)
}

// killProcess ends pid, for cleanups.
func killProcess(pid int) {
	if h, err := windows.OpenProcess(windows.PROCESS_TERMINATE, false, uint32(pid)); err == nil {
		_ = windows.TerminateProcess(h, 1)
		_ = windows.CloseHandle(h)
	}
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

func TestRunTimeoutKillsTree(t *testing.T) {
	// Long enough for two process starts on a loaded machine: the
	// grandchild must be running when the deadline comes.
	const timeout = time.Second
	spec := treeSpec("stay", "sleep", "30s", false)
	spec.Timeout = timeout
	start := time.Now()
	res := mustRun(t, spec)
	elapsed := time.Since(start)
	assert.True(t, res.TimedOut)
	assert.Equal(t, -1, res.ExitCode)
	assert.Nil(t, res.Signal)
	assert.GreaterOrEqual(t, res.Wall, timeout)
	assert.Less(t, res.Wall, timeout+time.Second)
	assert.Less(t, elapsed, timeout+5*time.Second)
	require.ErrorIs(t, res.Err(), ErrTimeout)
	assertGone(t, parsePid(t, res.Stdout))
}

// A child that exits on its own before its deadline did not time out.
func TestRunExitBeforeTimeout(t *testing.T) {
	spec := helperSpec("exit", "-1")
	spec.Timeout = 10 * time.Second
	res := mustRun(t, spec)
	assert.False(t, res.TimedOut)
	assert.Equal(t, -1, res.ExitCode, "the child's own -1")
}

// Leftovers in the job are terminated when the child exits: the
// grandchild holding the pipes does not keep Run for the grace.
func TestRunKillsLeftoversInJob(t *testing.T) {
	runner := StdProcessRunner{PipeGrace: 10 * time.Second}
	start := time.Now()
	res, err := runner.Run(context.Background(), treeSpec("exit", "sleep", "30s", false))
	elapsed := time.Since(start)
	require.NoError(t, err)
	assert.Equal(t, 0, res.ExitCode)
	assert.False(t, res.TimedOut)
	assert.Less(t, elapsed, res.Wall+5*time.Second, "the grandchild was killed, its pipes closed")
	assertGone(t, parsePid(t, res.Stdout))
}

func TestRunEscapedDescendantHoldingPipes(t *testing.T) {
	runner := StdProcessRunner{PipeGrace: 200 * time.Millisecond}
	start := time.Now()
	res, err := runner.Run(context.Background(), treeSpec("exit", "sleep", "30s", true))
	elapsed := time.Since(start)
	require.NoError(t, err)
	escaped := parsePid(t, res.Stdout)
	t.Cleanup(func() { killProcess(escaped) })
	assert.Equal(t, 0, res.ExitCode)
	assert.Less(t, res.Wall, 5*time.Second, "wall time ends when the child exits")
	assert.Less(t, elapsed, res.Wall+200*time.Millisecond+2*time.Second, "Run waits at most the grace")
	assert.GreaterOrEqual(t, elapsed, res.Wall+200*time.Millisecond, "the escaped process held the pipes for the whole grace")
	assert.True(t, processAlive(escaped), "a process outside the job survives (documented)")
}

func TestRunContextCancel(t *testing.T) {
	// Cancelled once the grandchild runs, which the helper announces.
	run := runCancelledWhenReady(t, StdProcessRunner{}, treeSpec("stay", "sleep", "30s", false))
	res, err := run.res, run.err
	require.Error(t, err)
	assert.ErrorIs(t, err, context.Canceled)
	assert.ErrorIs(t, err, ErrKilled)
	assert.Less(t, run.afterCancel, 5*time.Second, "Run returns soon after the cancel")
	assert.Equal(t, -1, res.ExitCode)
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

func TestRunLeavesNothingBehind(t *testing.T) {
	var runner StdProcessRunner
	runOnce := func() {
		_, _ = runner.Run(context.Background(), helperSpec("exit", "0"))
		_, _ = runner.Run(context.Background(), CommandSpec{Argv: []string{"perfgate-no-such-program"}})
		_, _ = runner.Run(context.Background(), CommandSpec{Argv: []string{helperExe()}, Env: []EnvVar{{"", ""}}})
		spec := helperSpec("sleep", "10s")
		spec.Timeout = 20 * time.Millisecond
		_, _ = runner.Run(context.Background(), spec)
		_, _ = runner.Run(context.Background(), treeSpec("exit", "sleep", "10s", false))
		_, _ = runner.Run(context.Background(), helperSpec("write", "both", "100000"))
	}
	// Warm up lazily created handles and runtime threads (each holds a
	// handle on Windows).
	for i := 0; i < 3; i++ {
		runOnce()
	}
	handles, goroutines := openHandles(t), runtime.NumGoroutine()
	for i := 0; i < 8; i++ {
		runOnce()
	}
	// A leak of one handle per run would add 8 or more.
	assert.InDelta(t, handles, openHandles(t), 4, "handles leaked")
	// Polled by hand (assert.Eventually runs goroutines of its own). Fewer
	// is fine: a goroutine of an earlier test may end meanwhile.
	assert.LessOrEqual(t, awaitGoroutinesAtMost(goroutines), goroutines, "goroutines leaked")
	assert.Eventually(t, func() bool { return len(liveChildren(t)) == 0 }, 2*time.Second, 10*time.Millisecond,
		"children left running")
}

var procGetProcessHandleCount = kernel32DLL.NewProc("GetProcessHandleCount")

// openHandles counts this process's handles: GetProcessHandleCount, or,
// where that says 0 (impossible for a Go program: Wine's stub), the
// entries of the system's handle table that are ours.
func openHandles(t *testing.T) int {
	t.Helper()
	var n uint32
	require.True(t, callProc(procGetProcessHandleCount, uintptr(windows.CurrentProcess()), uintptr(unsafe.Pointer(&n))))
	if n > 0 {
		return int(n)
	}
	return ownHandlesInSystemTable(t)
}

// systemHandleEntryEx is SYSTEM_HANDLE_TABLE_ENTRY_INFO_EX, an entry of
// NtQuerySystemInformation(SystemExtendedHandleInformation).
type systemHandleEntryEx struct {
	object                uintptr
	uniqueProcessID       uintptr
	handleValue           uintptr
	grantedAccess         uint32
	creatorBackTraceIndex uint16
	objectTypeIndex       uint16
	handleAttributes      uint32
	reserved              uint32
}

func ownHandlesInSystemTable(t *testing.T) int {
	t.Helper()
	const systemExtendedHandleInformation = 64
	buf := make([]byte, 1<<16)
	for {
		var needed uint32
		err := windows.NtQuerySystemInformation(systemExtendedHandleInformation, unsafe.Pointer(&buf[0]), uint32(len(buf)), &needed)
		if err == windows.STATUS_INFO_LENGTH_MISMATCH {
			buf = make([]byte, max(2*len(buf), int(needed)+4096))
			continue
		}
		require.NoError(t, err)
		break
	}
	// SYSTEM_HANDLE_INFORMATION_EX: a count, a reserved word, the entries.
	count := *(*uintptr)(unsafe.Pointer(&buf[0]))
	entries := unsafe.Slice((*systemHandleEntryEx)(unsafe.Pointer(&buf[2*unsafe.Sizeof(uintptr(0))])), count)
	own := 0
	for _, e := range entries {
		if e.uniqueProcessID == uintptr(os.Getpid()) {
			own++
		}
	}
	return own
}

// liveChildren lists the running processes whose parent is this one.
func liveChildren(t *testing.T) []int {
	t.Helper()
	snap, err := windows.CreateToolhelp32Snapshot(windows.TH32CS_SNAPPROCESS, 0)
	require.NoError(t, err)
	defer windows.CloseHandle(snap)
	var entry windows.ProcessEntry32
	entry.Size = uint32(unsafe.Sizeof(entry))
	var pids []int
	self := uint32(os.Getpid())
	for err = windows.Process32First(snap, &entry); err == nil; err = windows.Process32Next(snap, &entry) {
		if entry.ParentProcessID == self && processAlive(int(entry.ProcessID)) {
			pids = append(pids, int(entry.ProcessID))
		}
	}
	return pids
}
