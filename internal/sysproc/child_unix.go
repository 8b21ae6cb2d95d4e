//go:build unix

package sysproc

import (
	"syscall"
	"time"
)

// KillGroup sends SIGKILL to every process of the group pgid.
func KillGroup(pgid int) { _ = syscall.Kill(-pgid, syscall.SIGKILL) }

// Reap collects the exited child pid with wait4, which gives the child's
// own resource usage (and that of the descendants it waited for).
func Reap(pid int) (syscall.WaitStatus, syscall.Rusage, error) {
	var status syscall.WaitStatus
	var usage syscall.Rusage
	err := IgnoringEINTR(func() error {
		_, err := syscall.Wait4(pid, &status, 0, &usage)
		return err
	})
	return status, usage, err
}

// UsageOf converts a struct rusage to its OS-neutral figures.
func UsageOf(u *syscall.Rusage) Usage {
	return Usage{
		User:        time.Duration(u.Utime.Nano()),
		System:      time.Duration(u.Stime.Nano()),
		MaxRSSRaw:   int64(u.Maxrss),
		MinorFaults: int64(u.Minflt),
		MajorFaults: int64(u.Majflt),
		InBlocks:    int64(u.Inblock),
		OutBlocks:   int64(u.Oublock),
		Voluntary:   int64(u.Nvcsw),
		Involuntary: int64(u.Nivcsw),
	}
}
