//go:build unix && !linux

package adapters

import "syscall"

// waitExit reaps the child at once: these systems have no waitid(WNOWAIT)
// that Go can call. The process group is killed right after; a pid is not
// reused that fast, and while leftovers live the group id stays taken.
func waitExit(pid int) (reaped bool, status syscall.WaitStatus, usage syscall.Rusage, err error) {
	status, usage, err = reap(pid)
	return true, status, usage, err
}
