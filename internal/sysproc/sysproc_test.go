//go:build unix

package sysproc

import (
	"errors"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// IgnoringEINTR calls again on EINTR, and returns any other error, or
// none, at once.
func TestIgnoringEINTR(t *testing.T) {
	other := errors.New("other")
	for _, last := range []error{nil, other, syscall.EBADF} {
		calls := 0
		err := IgnoringEINTR(func() error {
			calls++
			if calls < 3 {
				return syscall.EINTR
			}
			return last
		})
		assert.Equal(t, last, err)
		assert.Equal(t, 3, calls)
	}
}

func TestIgnoringEINTRIO(t *testing.T) {
	calls := 0
	n, err := IgnoringEINTRIO(func() (int, error) {
		calls++
		if calls < 3 {
			return -1, syscall.EINTR
		}
		return 42, nil
	})
	assert.NoError(t, err)
	assert.Equal(t, 42, n)
	assert.Equal(t, 3, calls)
	n, err = IgnoringEINTRIO(func() (int, error) { return 7, syscall.EAGAIN })
	assert.Equal(t, syscall.EAGAIN, err)
	assert.Equal(t, 7, n)
}

// Reap returns the child's exit status and its own resource usage.
func TestReap(t *testing.T) {
	h := startHelper(t, "exit", "7")
	status, usage := h.reap(t)
	assert.True(t, status.Exited(), "%#x", status)
	assert.Equal(t, 7, status.ExitStatus())
	assert.Positive(t, usage.Maxrss, "a Go program's peak RSS")
	assert.Positive(t, usage.Utime.Nano()+usage.Stime.Nano(), "a Go program's start-up CPU time")
	_, _, err := Reap(h.cmd.Process.Pid)
	assert.ErrorIs(t, err, syscall.ECHILD, "reaped once")
}

// DevNull is the null device, above descriptor 2, opened once.
func TestDevNull(t *testing.T) {
	fd, err := DevNull()
	require.NoError(t, err)
	assert.Greater(t, fd, 2)
	again, err := DevNull()
	require.NoError(t, err)
	assert.Equal(t, fd, again, "reused")
	var st, null syscall.Stat_t
	require.NoError(t, syscall.Fstat(fd, &st))
	require.NoError(t, syscall.Stat(os.DevNull, &null))
	assert.Equal(t, null.Rdev, st.Rdev)
}

// A process that closed its stdin gets DevNull above descriptor 2 all the
// same (MoveAboveStdio), never as descriptor 0.
func TestDevNullWithoutStdin(t *testing.T) {
	h := startHelper(t, "nostdin")
	assert.Greater(t, mustAtoi(t, h.line(t)), 2)
	status, _ := h.reap(t)
	assert.Equal(t, 0, status.ExitStatus())
}

// MoveAboveStdio leaves a descriptor above 2 as it is.
func TestMoveAboveStdioKeepsAHighDescriptor(t *testing.T) {
	f, err := os.Open(os.DevNull)
	require.NoError(t, err)
	defer f.Close()
	fd := int(f.Fd())
	require.Greater(t, fd, 2)
	got, err := MoveAboveStdio(fd)
	require.NoError(t, err)
	assert.Equal(t, fd, got)
}

// UsageOf carries every figure of a struct rusage over.
func TestUsageOf(t *testing.T) {
	u := syscall.Rusage{
		Utime: syscall.NsecToTimeval(int64(1500 * time.Millisecond)), Stime: syscall.NsecToTimeval(int64(250 * time.Millisecond)),
		Maxrss: 1024, Minflt: 2, Majflt: 3, Inblock: 4, Oublock: 5, Nvcsw: 6, Nivcsw: 7,
	}
	assert.Equal(t, Usage{User: 1500 * time.Millisecond, System: 250 * time.Millisecond, MaxRSSRaw: 1024,
		MinorFaults: 2, MajorFaults: 3, InBlocks: 4, OutBlocks: 5, Voluntary: 6, Involuntary: 7}, UsageOf(&u))
}
