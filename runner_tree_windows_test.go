package adapters

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/windows"
)

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
