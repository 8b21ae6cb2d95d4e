package sysproc

import (
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// watchExit opens a pidfd of pid, alive now, and returns a wait for its
// exit (a pidfd is readable once its process has exited, reaped or not).
func watchExit(t *testing.T, pid int) func(*testing.T) {
	pidfd, err := unix.PidfdOpen(pid, 0)
	require.NoError(t, err)
	t.Cleanup(func() { unix.Close(pidfd) })
	return func(t *testing.T) {
		fds := []unix.PollFd{{Fd: int32(pidfd), Events: unix.POLLIN}}
		n, err := PpollUntil(fds, time.Time{}) // for ever: the test's own timeout bounds it
		require.NoError(t, err)
		assert.Equal(t, 1, n)
	}
}

// KillGroup kills every process of a group: the helper and the grandchild
// it started in its group, which is not the test's child.
func TestKillGroup(t *testing.T) {
	h := startHelper(t, "group")
	watch := watchExit(t, mustAtoi(t, h.line(t)))
	KillGroup(h.cmd.Process.Pid)
	status, _ := h.reap(t)
	assert.True(t, status.Signaled() && status.Signal() == syscall.SIGKILL, "%#x", status)
	watch(t)
}

// KillChild kills a child by pid when it has no pidfd.
func TestKillChildByPid(t *testing.T) {
	h := startHelper(t, "block")
	require.Equal(t, "ready", h.line(t))
	KillChild(h.cmd.Process.Pid, -1)
	status, _ := h.reap(t)
	assert.True(t, status.Signaled() && status.Signal() == syscall.SIGKILL, "%#x", status)
}

// KillChildAndGroup kills the child through its pidfd, and its group.
func TestKillChildAndGroup(t *testing.T) {
	h := startHelper(t, "group")
	watch := watchExit(t, mustAtoi(t, h.line(t)))
	pidfd, err := unix.PidfdOpen(h.cmd.Process.Pid, 0)
	require.NoError(t, err)
	defer unix.Close(pidfd)
	KillChildAndGroup(h.cmd.Process.Pid, pidfd)
	status, _ := h.reap(t)
	assert.True(t, status.Signaled() && status.Signal() == syscall.SIGKILL, "%#x", status)
	watch(t)
}

// PpollUntil returns 0 once its deadline has passed, without a wait when
// it already has; a zero deadline waits for ever, here for a readable pipe.
func TestPpollUntil(t *testing.T) {
	r, w, err := os.Pipe()
	require.NoError(t, err)
	defer r.Close()
	defer w.Close()
	fds := []unix.PollFd{{Fd: int32(r.Fd()), Events: unix.POLLIN}}
	for _, deadline := range []time.Time{time.Now(), time.Now().Add(-time.Hour), time.Now().Add(time.Millisecond)} {
		n, err := PpollUntil(fds, deadline)
		assert.NoError(t, err)
		assert.Equal(t, 0, n)
	}
	_, err = w.Write([]byte{1})
	require.NoError(t, err)
	n, err := PpollUntil(fds, time.Time{})
	assert.NoError(t, err)
	assert.Equal(t, 1, n)
	assert.NotZero(t, fds[0].Revents&unix.POLLIN)
}
