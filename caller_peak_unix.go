//go:build unix

package adapters

import (
	"io"
	"math"
	"os"
	"runtime"
	"sync"
	"syscall"

	"github.com/perfgate/adapters/internal/procfs"
)

// goosLinux says whether this is Linux (or Android, which builds Linux
// files): the one kernel with /proc/self/status, pidfds and cgroup v2.
const goosLinux = runtime.GOOS == "linux" || runtime.GOOS == "android"

// callerPeakFloorKiB is, on Linux, the most of a direct child's reported
// peak RSS (in KiB) that may be this process's rather than the child's.
//
// Go starts children with vfork semantics (CLONE_VM): until its exec the
// child runs on the caller's address space, and exec folds that address
// space's high-water mark into the child's ru_maxrss (golang/go#32054). So
// ru_maxrss is max(caller's peak at spawn, child's own peak). A value above
// the caller's current peak (VmHWM, which only grows) is the child's own;
// one at or below it may be the caller's, and is withheld rather than
// reported as the child's. When the peak cannot be read the floor is
// infinite: the figure is withheld.
func callerPeakFloorKiB(reported uint64) uint64 {
	// getrusage(RUSAGE_SELF) bounds our peak from above and costs one
	// system call: a child above it needs no /proc read.
	var self syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &self); err == nil && reported > uint64(self.Maxrss) {
		return uint64(self.Maxrss)
	}
	peak, err := callerPeakRSSKiB()
	if err != nil {
		return math.MaxUint64
	}
	return peak
}

// selfStatus is /proc/self/status, kept open once opened: pread on an open
// descriptor costs half of an open, read and close. A failed open is not
// remembered: the next call tries again.
var selfStatus struct {
	mu sync.Mutex
	f  *os.File
}

// callerPeakRSSKiB reads this process's VmHWM.
func callerPeakRSSKiB() (uint64, error) {
	f, err := openSelfStatus()
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

func openSelfStatus() (*os.File, error) {
	selfStatus.mu.Lock()
	defer selfStatus.mu.Unlock()
	if selfStatus.f != nil {
		return selfStatus.f, nil
	}
	f, err := openAboveStdio(procfs.DefaultRoot+"/self/status", syscall.O_RDONLY)
	if err != nil {
		return nil, err
	}
	selfStatus.f = f
	return f, nil
}
