//go:build linux

package adapters

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// waitExit blocks until the child exits but leaves it a zombie (WNOWAIT),
// so that its process group can still be killed safely; reap collects it.
func waitExit(pid int) (reaped bool, status syscall.WaitStatus, usage syscall.Rusage, err error) {
	var info unix.Siginfo
	for {
		err = unix.Waitid(unix.P_PID, pid, &info, unix.WEXITED|unix.WNOWAIT, nil)
		if err != unix.EINTR {
			return false, status, usage, err
		}
	}
}
