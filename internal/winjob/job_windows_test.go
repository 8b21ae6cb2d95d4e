package winjob

import (
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/windows"
)

func TestFiletimeDuration(t *testing.T) {
	assert.Equal(t, time.Duration(0), filetimeDuration(windows.Filetime{}))
	assert.Equal(t, 100*time.Nanosecond, filetimeDuration(windows.Filetime{LowDateTime: 1}))
	assert.Equal(t, time.Duration(1<<32)*100, filetimeDuration(windows.Filetime{HighDateTime: 1}))
	assert.Equal(t, time.Second, filetimeDuration(windows.Filetime{LowDateTime: 10_000_000}))
}

// The memory counters of a process that is still running (this one):
// a real peak working set everywhere (Wine too), and page faults except
// under Wine, which counts none.
func TestReadMemoryOfRunningProcess(t *testing.T) {
	m := readMemory(windows.CurrentProcess())
	if assert.NotNil(t, m) {
		assert.Greater(t, m.PeakWorkingSetBytes, uint64(1<<20), "this Go test binary")
		if !underWine() {
			assert.Greater(t, m.PageFaults, uint64(0))
		}
	}
}

// underWine reports whether the tests run under Wine, whose ntdll alone
// exports wine_get_version.
func underWine() bool {
	return windows.NewLazySystemDLL("ntdll.dll").NewProc("wine_get_version").Find() == nil
}

// The resume is what lets the child run: a process started suspended and
// never resumed stays alive doing nothing.
func TestResumeProcess(t *testing.T) {
	null, err := os.Open(os.DevNull)
	require.NoError(t, err)
	defer null.Close()
	exe, err := os.Executable()
	require.NoError(t, err)
	attr := &syscall.ProcAttr{
		Env:   append(os.Environ(), helperEnvKey+"=exit"),
		Files: []uintptr{null.Fd(), null.Fd(), null.Fd()},
		Sys:   &syscall.SysProcAttr{CreationFlags: windows.CREATE_SUSPENDED},
	}
	_, handle, err := syscall.StartProcess(exe, []string{exe, "5"}, attr)
	require.NoError(t, err)
	proc := windows.Handle(handle)
	defer windows.CloseHandle(proc)
	event, err := windows.WaitForSingleObject(proc, 300)
	require.NoError(t, err)
	assert.Equal(t, uint32(windows.WAIT_TIMEOUT), event, "suspended: not exited")
	require.NoError(t, Resume(proc))
	event, err = windows.WaitForSingleObject(proc, 10000)
	require.NoError(t, err)
	require.Equal(t, uint32(windows.WAIT_OBJECT_0), event, "resumed: exited")
	var code uint32
	require.NoError(t, windows.GetExitCodeProcess(proc, &code))
	assert.Equal(t, uint32(5), code)
}

const helperEnvKey = "WINJOB_TEST_HELPER"

// TestMain runs the helper process when helperEnvKey names it: "exit"
// exits with the status its argument gives.
func TestMain(m *testing.M) {
	if os.Getenv(helperEnvKey) == "exit" {
		code, _ := strconv.Atoi(os.Args[len(os.Args)-1])
		os.Exit(code)
	}
	os.Exit(m.Run())
}
