//go:build linux

package sysproc

import (
	"time"

	"golang.org/x/sys/unix"
)

// KillChild sends SIGKILL to the unreaped child pid: through its pidfd
// where there is one, else by pid, which cannot be reused before the reap.
func KillChild(pid, pidfd int) {
	if pidfd >= 0 {
		_ = unix.PidfdSendSignal(pidfd, unix.SIGKILL, nil, 0)
		return
	}
	_ = unix.Kill(pid, unix.SIGKILL)
}

// KillChildAndGroup kills a child through its pidfd, which cannot reach
// another process even should the child have left its group (setsid,
// setpgid), and the group whose id is the child's pid. Call it only before
// the child is reaped, so that neither id can have been reused.
func KillChildAndGroup(pid, pidfd int) {
	_ = unix.PidfdSendSignal(pidfd, unix.SIGKILL, nil, 0)
	KillGroup(pid)
}

// PpollUntil waits in ppoll for fds until deadline, or for ever when the
// deadline is zero. It returns 0 when the deadline has passed; EINTR is
// retried with the time left.
func PpollUntil(fds []unix.PollFd, deadline time.Time) (int, error) {
	for {
		var timeout *unix.Timespec
		if !deadline.IsZero() {
			left := time.Until(deadline)
			if left <= 0 {
				return 0, nil
			}
			ts := unix.NsecToTimespec(int64(left))
			timeout = &ts
		}
		n, err := unix.Ppoll(fds, timeout, nil)
		if err != unix.EINTR {
			return n, err
		}
	}
}
