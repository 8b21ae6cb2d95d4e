package adapters

import (
	"context"
	"os"
	"runtime"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/windows"
)

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
