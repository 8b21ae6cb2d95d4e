package adapters

// The figures of a run on Windows: what Windows recorded for the child
// process and for its job (the whole process tree), read after the child
// exited and before its handle is closed, and how they become a RunResult.

import (
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

// winCounters is what Windows recorded for a finished run. A nil part could
// not be read (or was read as something impossible, see readCounters).
type winCounters struct {
	// Of the child process alone.
	cpu    *cpuTimes      // GetProcessTimes
	memory *memoryFigures // K32GetProcessMemoryInfo
	io     *ioBytes       // GetProcessIoCounters

	// Of the job: every process that was in it, the child and all its
	// descendants, exited or still running.
	jobCPU        *cpuTimes
	jobPageFaults *uint64
	jobIO         *ioBytes
}

type cpuTimes struct{ user, kernel time.Duration }

type memoryFigures struct {
	peakWorkingSetBytes uint64
	pageFaults          uint64 // soft and hard: Windows does not split them
}

type ioBytes struct{ read, written uint64 }

// apply fills r's figures. CPU time, page faults and I/O come from the job
// where it gave them, so that they cover the whole tree, as rusage covers
// the child and the descendants it waited for on Unix (a Windows process's
// own counters leave its children out). The peak working set is the
// child's: the job keeps no working-set peak, only a commit-charge one,
// which is another quantity. Context switches stay nil: Windows keeps no
// per-process count.
func (c *winCounters) apply(r *RunResult) {
	if cpu := firstNonNil(c.jobCPU, c.cpu); cpu != nil {
		(&rusageFigures{user: cpu.user, system: cpu.kernel}).applyCPU(r)
	}
	switch {
	case c.jobPageFaults != nil:
		r.PageFaults = uint64Ptr(*c.jobPageFaults)
	case c.memory != nil:
		r.PageFaults = uint64Ptr(c.memory.pageFaults)
	}
	if c.memory != nil {
		r.MaxRSSKB = uint64Ptr(c.memory.peakWorkingSetBytes / 1024)
	}
	if io := firstNonNil(c.jobIO, c.io); io != nil {
		r.IOReadBytes = uint64Ptr(io.read)
		r.IOWriteBytes = uint64Ptr(io.written)
	}
}

// sources says, for each figure apply set, whether it came from the job
// (the tree) or from the child alone, for RunResult.Sources in tree scope.
func (c *winCounters) sources(r *RunResult) map[string]FigureSource {
	job := FigureSource{Scope: ScopeTree, Source: SourceJobAccounting}
	sources := make(map[string]FigureSource)
	set := func(keys []string, fromJob bool, child FigureSource) {
		for _, key := range keys {
			if fromJob {
				sources[key] = job
			} else {
				sources[key] = child
			}
		}
	}
	if r.CPUMs != nil {
		set(cpuKeys, c.jobCPU != nil, FigureSource{Scope: ScopeProcess, Source: SourceGetProcessTimes, Note: "no job accounting"})
	}
	if r.PageFaults != nil {
		set([]string{"page_faults"}, c.jobPageFaults != nil, FigureSource{Scope: ScopeProcess, Source: SourceGetProcessMemoryInfo, Note: "no job accounting"})
	}
	if r.MaxRSSKB != nil {
		set([]string{"max_rss_kb"}, false, FigureSource{Scope: ScopeProcess, Source: SourceGetProcessMemoryInfo, Note: "a job keeps no working-set peak"})
	}
	if r.IOReadBytes != nil {
		set(ioKeys, c.jobIO != nil, FigureSource{Scope: ScopeProcess, Source: SourceGetProcessIoCounters, Note: "no job accounting"})
	}
	return sources
}

func firstNonNil[T any](a, b *T) *T {
	if a != nil {
		return a
	}
	return b
}

// readCounters reads every figure Windows keeps for the exited child proc
// and for job. It is called after the wait, before the handles are closed
// and before the job's leftovers are terminated.
func readCounters(proc, job windows.Handle) winCounters {
	var c winCounters
	var creation, exit, kernel, user windows.Filetime
	if windows.GetProcessTimes(proc, &creation, &exit, &kernel, &user) == nil {
		c.cpu = &cpuTimes{user: filetimeDuration(user), kernel: filetimeDuration(kernel)}
	}
	c.memory = readMemory(proc)
	var io windows.IO_COUNTERS
	if callProc(procGetProcessIoCounters, uintptr(proc), uintptr(unsafe.Pointer(&io))) {
		c.io = &ioBytes{read: io.ReadTransferCount, written: io.WriteTransferCount}
	}
	c.jobCPU, c.jobPageFaults, c.jobIO = readJobAccounting(job)
	return c
}

// readMemory reads the child's peak working set and page-fault count. A
// process that ran had pages in its working set, so counters that are all
// zero are not a measurement (Wine returns them for an exited process) and
// give nil, never 0.
func readMemory(proc windows.Handle) *memoryFigures {
	var m processMemoryCounters
	m.cb = uint32(unsafe.Sizeof(m))
	if !callProc(procK32GetProcessMemoryInfo, uintptr(proc), uintptr(unsafe.Pointer(&m)), uintptr(m.cb)) {
		return nil
	}
	if m.peakWorkingSetSize == 0 {
		return nil
	}
	return &memoryFigures{peakWorkingSetBytes: uint64(m.peakWorkingSetSize), pageFaults: uint64(m.pageFaultCount)}
}

// readJobAccounting reads the job's totals: CPU time and page faults of
// every process that was in it, and their I/O where the system gives the
// combined basic and I/O accounting (Wine does not: it gets nil I/O here
// and the child's own counters are used).
func readJobAccounting(job windows.Handle) (*cpuTimes, *uint64, *ioBytes) {
	var both jobBasicAndIOAccounting
	err := windows.QueryInformationJobObject(job, windows.JobObjectBasicAndIoAccountingInformation,
		uintptr(unsafe.Pointer(&both)), uint32(unsafe.Sizeof(both)), nil)
	basic, io := &both.basic, &ioBytes{read: both.io.ReadTransferCount, written: both.io.WriteTransferCount}
	if err != nil {
		io = nil
		err = windows.QueryInformationJobObject(job, windows.JobObjectBasicAccountingInformation,
			uintptr(unsafe.Pointer(basic)), uint32(unsafe.Sizeof(*basic)), nil)
		if err != nil {
			return nil, nil, nil
		}
	}
	cpu := &cpuTimes{user: hundredNs(basic.totalUserTime), kernel: hundredNs(basic.totalKernelTime)}
	faults := uint64(basic.totalPageFaultCount)
	return cpu, &faults, io
}

// callProc calls a kernel32 function that returns a BOOL and says whether
// it succeeded; a function the system lacks fails instead of panicking.
func callProc(proc *windows.LazyProc, args ...uintptr) bool {
	if proc.Find() != nil {
		return false
	}
	ok, _, _ := proc.Call(args...)
	return ok != 0
}

// filetimeDuration converts a FILETIME interval (100 ns units).
func filetimeDuration(ft windows.Filetime) time.Duration {
	return hundredNs(int64(uint64(ft.HighDateTime)<<32 | uint64(ft.LowDateTime)))
}

func hundredNs(n int64) time.Duration { return time.Duration(n) * 100 }

// Neither function is wrapped by x/sys/windows. Both are loaded from
// System32 only (NewLazySystemDLL), never from the current directory.
// K32GetProcessMemoryInfo is psapi's GetProcessMemoryInfo as kernel32 has
// exported it since Windows 7.
var (
	procK32GetProcessMemoryInfo = kernel32DLL.NewProc("K32GetProcessMemoryInfo")
	procGetProcessIoCounters    = kernel32DLL.NewProc("GetProcessIoCounters")
)

var kernel32DLL = windows.NewLazySystemDLL("kernel32.dll")

// processMemoryCounters is PROCESS_MEMORY_COUNTERS of <psapi.h>.
type processMemoryCounters struct {
	cb                         uint32 // the caller sets the size
	pageFaultCount             uint32
	peakWorkingSetSize         uintptr // bytes
	workingSetSize             uintptr
	quotaPeakPagedPoolUsage    uintptr
	quotaPagedPoolUsage        uintptr
	quotaPeakNonPagedPoolUsage uintptr
	quotaNonPagedPoolUsage     uintptr
	pagefileUsage              uintptr
	peakPagefileUsage          uintptr
}

// PROCESS_MEMORY_COUNTERS is two DWORDs and eight SIZE_Ts; the build fails
// if the Go layout ever differs.
var _ [8 + 8*unsafe.Sizeof(uintptr(0))]byte = [unsafe.Sizeof(processMemoryCounters{})]byte{}

// jobBasicAccounting is JOBOBJECT_BASIC_ACCOUNTING_INFORMATION of
// <winnt.h>; x/sys/windows does not declare it.
type jobBasicAccounting struct {
	totalUserTime             int64 // 100 ns units
	totalKernelTime           int64
	thisPeriodTotalUserTime   int64
	thisPeriodTotalKernelTime int64
	totalPageFaultCount       uint32
	totalProcesses            uint32
	activeProcesses           uint32
	totalTerminatedProcesses  uint32
}

// jobBasicAndIOAccounting is JOBOBJECT_BASIC_AND_IO_ACCOUNTING_INFORMATION.
type jobBasicAndIOAccounting struct {
	basic jobBasicAccounting
	io    windows.IO_COUNTERS
}

// Both are the same size on every Windows architecture.
var (
	_ [48]byte = [unsafe.Sizeof(jobBasicAccounting{})]byte{}
	_ [96]byte = [unsafe.Sizeof(jobBasicAndIOAccounting{})]byte{}
)
