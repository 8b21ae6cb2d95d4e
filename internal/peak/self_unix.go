//go:build unix

package peak

import (
	"io"
	"os"
	"sync"
	"syscall"

	"github.com/perfgate/adapters/internal/procfs"
	"github.com/perfgate/adapters/internal/sysproc"
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

// Own reads this process's peak as Reading.FloorKiB needs it, in its
// order: getrusage's ru_maxrss, the approximate RSS, then VmHWM, and the
// error of the kernel's approximate RSS reading on this machine.
func Own() Reading {
	p := rusageReading()
	p.readProc()
	return p
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
	if pages, err := selfStat.read(procfs.ParseStatRSSPages); err == nil {
		p.ApproxRSSKiB, p.ApproxOK = pages*uint64(os.Getpagesize())/1024, true
	}
	if hwm, err := VmHWMKiB(); err == nil {
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

// VmHWMKiB reads this process's VmHWM.
func VmHWMKiB() (uint64, error) { return selfStatus.read(procfs.ParseVmHWM) }

// procSelfFile is a file of /proc/self kept open once opened: pread on an
// open descriptor costs half of an open, read and close. A failed open is
// not remembered: the next call tries again. buf is reused, so that
// reading the floor after every run allocates nothing (in the spawner,
// garbage grows the heap, and so the floor of later runs).
type procSelfFile struct {
	name string
	mu   sync.Mutex
	f    *os.File
	buf  []byte
}

var (
	selfStatus = &procSelfFile{name: "status"}
	selfStat   = &procSelfFile{name: "stat"}
)

// read reads the whole file and parses it.
func (p *procSelfFile) read(parse func([]byte) (uint64, error)) (uint64, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.f == nil {
		f, err := sysproc.OpenAboveStdio(procfs.DefaultRoot+"/self/"+p.name, syscall.O_RDONLY)
		if err != nil {
			return 0, err
		}
		p.f, p.buf = f, make([]byte, 4096)
	}
	for {
		n, err := p.f.ReadAt(p.buf, 0)
		if err != nil && err != io.EOF {
			return 0, err
		}
		if n < len(p.buf) {
			return parse(p.buf[:n])
		}
		p.buf = make([]byte, 2*len(p.buf))
	}
}
