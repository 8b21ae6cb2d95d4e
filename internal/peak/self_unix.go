//go:build unix

package peak

import (
	"os"
	"sync"
	"syscall"

	"github.com/perfgate/adapters/internal/procfs"
)

// CallerFloorKiB is, on Linux, the most of a direct child's reported
// peak RSS (in KiB) that may be this process's rather than the child's.
//
// Go starts children with vfork semantics (CLONE_VM): until its exec the
// child runs on the caller's address space, and exec folds that address
// space's peak into the child's ru_maxrss (golang/go#32054). So ru_maxrss
// is max(what the caller passed on at exec, the child's own peak); one at
// or below the floor (Reading.FloorKiB) may be the caller's, and is
// withheld rather than reported as the child's.
func CallerFloorKiB(reported uint64) uint64 {
	// ru_maxrss bounds what exec passed on and costs one system call: a
	// child above it needs no /proc read.
	p := rusageReading()
	if p.RusageOK && reported > p.RusageKiB {
		return p.RusageKiB
	}
	p.readProc()
	return p.FloorKiB()
}

// rusageReading is a Reading with only getrusage(RUSAGE_SELF)'s
// ru_maxrss.
func rusageReading() Reading {
	var p Reading
	var self syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &self); err == nil && self.Maxrss >= 0 {
		p.RusageKiB, p.RusageOK = uint64(self.Maxrss), true
	}
	return p
}

// readProc adds to p, in this order, the approximate RSS and VmHWM, and
// the error of the approximate reading.
func (p *Reading) readProc() {
	if pages, err := selfStat.ReadUint(procfs.ParseStatRSSPages); err == nil {
		p.ApproxRSSKiB, p.ApproxOK = pages*uint64(os.Getpagesize())/1024, true
	}
	if hwm, err := selfStatus.ReadUint(procfs.ParseVmHWM); err == nil {
		p.VmHWMKiB, p.VmHWMOK = hwm, true
	}
	p.ReadErrorKiB = readErrorKiB()
}

// readErrorKiB is ReadErrorPages for the CPUs online now, in KiB. CPUs
// are counted once: the kernel sizes its counters' batch at each hotplug,
// and a count that cannot be read counts as 4096 CPUs.
var readErrorKiB = sync.OnceValue(func() uint64 {
	cpus, err := procfs.OnlineCPUs(procfs.OnlineCPUsPath)
	if err != nil {
		cpus = 0
	}
	return ReadErrorPages(cpus) * uint64(os.Getpagesize()) / 1024
})

// This process's status and stat, kept open (procfs.Kept): a caller
// that a run left without a free descriptor still reads its own peak, and
// reading the floor after every run allocates nothing (in the spawner,
// garbage grows the heap, and so the floor of later runs).
var (
	selfStatus = procfs.Keep(procfs.DefaultRoot, "self", "status")
	selfStat   = procfs.Keep(procfs.DefaultRoot, "self", "stat")
)
