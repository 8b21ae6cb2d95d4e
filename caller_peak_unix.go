//go:build unix

package adapters

import (
	"io"
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
// space's peak into the child's ru_maxrss (golang/go#32054). So ru_maxrss
// is max(what the caller passed on at exec, the child's own peak); one at
// or below the floor (spawnerPeak.floorKiB) may be the caller's, and is
// withheld rather than reported as the child's.
func callerPeakFloorKiB(reported uint64) uint64 {
	// getrusage(RUSAGE_SELF) bounds what exec passed on and costs one
	// system call: a child above it needs no /proc read.
	var self syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &self); err == nil && reported > uint64(self.Maxrss) {
		return uint64(self.Maxrss)
	}
	return ownPeak().floorKiB()
}

// ownPeak reads this process's peak as spawnerPeak.floorKiB needs it:
// getrusage's ru_maxrss, VmHWM, and the error of the kernel's approximate
// RSS reading on this machine.
func ownPeak() spawnerPeak {
	var p spawnerPeak
	var self syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &self); err == nil && self.Maxrss >= 0 {
		p.rusageKiB, p.rusageOK = uint64(self.Maxrss), true
	}
	if hwm, err := callerPeakRSSKiB(); err == nil {
		p.vmHWMKiB, p.vmHWMOK = hwm, true
	}
	p.readErrorKiB = rssReadErrorKiB()
	return p
}

// rssReadErrorKiB is rssReadErrorPages for the CPUs online now, in KiB.
// CPUs are counted once: the kernel sizes its counters' batch at each
// hotplug, and a count that cannot be read counts as 4096 CPUs.
var rssReadErrorKiB = sync.OnceValue(func() uint64 {
	cpus, err := procfs.OnlineCPUs(procfs.OnlineCPUsPath)
	if err != nil {
		cpus = 0
	}
	return rssReadErrorPages(cpus) * uint64(os.Getpagesize()) / 1024
})

// selfStatus is /proc/self/status, kept open once opened: pread on an open
// descriptor costs half of an open, read and close. A failed open is not
// remembered: the next call tries again. buf is reused, so that reading
// the floor after every run allocates nothing (in the spawner, garbage
// grows the heap and so the floor of later runs).
var selfStatus struct {
	mu  sync.Mutex
	f   *os.File
	buf []byte
}

// callerPeakRSSKiB reads this process's VmHWM.
func callerPeakRSSKiB() (uint64, error) {
	selfStatus.mu.Lock()
	defer selfStatus.mu.Unlock()
	if selfStatus.f == nil {
		f, err := openAboveStdio(procfs.DefaultRoot+"/self/status", syscall.O_RDONLY)
		if err != nil {
			return 0, err
		}
		selfStatus.f, selfStatus.buf = f, make([]byte, 4096)
	}
	for {
		n, err := selfStatus.f.ReadAt(selfStatus.buf, 0)
		if err != nil && err != io.EOF {
			return 0, err
		}
		if n < len(selfStatus.buf) {
			return procfs.ParseVmHWM(selfStatus.buf[:n])
		}
		selfStatus.buf = make([]byte, 2*len(selfStatus.buf))
	}
}
