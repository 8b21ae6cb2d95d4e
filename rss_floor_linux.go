//go:build linux

package adapters

import (
	"io"
	"os"
	"sync"
	"syscall"

	"github.com/perfgate/adapters/internal/procfs"
)

// childPeakRSSKiB returns the child's own peak RSS, or false when its
// ru_maxrss cannot be told apart from the caller's memory.
//
// Go starts children with vfork semantics (CLONE_VM): until its exec the
// child runs on the caller's address space, and exec folds that address
// space's high-water mark into the child's ru_maxrss (golang/go#32054). So
// ru_maxrss is max(caller's peak at spawn, child's own peak). A value above
// the caller's current peak (VmHWM, which only grows) is the child's own;
// one at or below it may be the caller's, and is withheld rather than
// reported as the child's.
func childPeakRSSKiB(reported uint64) (uint64, bool) {
	// getrusage(RUSAGE_SELF) bounds our peak from above and costs one
	// system call: a child above it needs no /proc read.
	var self syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &self); err == nil && reported > uint64(self.Maxrss) {
		return reported, true
	}
	callerPeak, err := callerPeakRSSKiB()
	if err != nil || reported <= callerPeak {
		return 0, false
	}
	return reported, true
}

// selfStatus is /proc/self/status, opened once: pread on an open
// descriptor costs half of an open, read and close.
var selfStatus = sync.OnceValues(func() (*os.File, error) {
	return os.Open(procfs.DefaultRoot + "/self/status")
})

// callerPeakRSSKiB reads this process's VmHWM.
func callerPeakRSSKiB() (uint64, error) {
	f, err := selfStatus()
	if err != nil {
		return 0, err
	}
	buf := make([]byte, 4096)
	for {
		n, err := f.ReadAt(buf, 0)
		if err != nil && err != io.EOF {
			return 0, err
		}
		if n < len(buf) {
			return procfs.ParseVmHWM(buf[:n])
		}
		buf = make([]byte, 2*len(buf))
	}
}
