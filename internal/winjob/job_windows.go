package winjob

// The Windows system calls behind a run's job object: creating it, resuming
// the suspended child in it, terminating it, and reading the counters of
// the child and of the job after the child exited (before its handle is
// closed).

import (
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

// KilledExitCode is the exit code TerminateJobObject gives the processes it
// kills. As an int32 (perfgate's exit_code, Rust's ExitStatus::code) it
// reads -1, the ExitCode Unix reports for a killed child.
const KilledExitCode = ^uint32(0)

// NewKillOnCloseJob creates an unnamed job whose processes are all killed
// when its last handle is closed, so that nothing of a run outlives Run,
// even if Run itself never gets to terminate them.
func NewKillOnCloseJob() (windows.Handle, error) {
	job, err := windows.CreateJobObject(nil, nil)
	if err != nil {
		return 0, err
	}
	var limits windows.JOBOBJECT_EXTENDED_LIMIT_INFORMATION
	limits.BasicLimitInformation.LimitFlags = windows.JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE
	_, err = windows.SetInformationJobObject(job, windows.JobObjectExtendedLimitInformation,
		uintptr(unsafe.Pointer(&limits)), uint32(unsafe.Sizeof(limits)))
	if err != nil {
		_ = windows.CloseHandle(job)
		return 0, err
	}
	return job, nil
}

// procNtResumeProcess is ntdll's NtResumeProcess, which x/sys/windows does
// not wrap. It resumes every thread of a process in one call. Go closes
// the main thread's handle in StartProcess; the documented alternative, a
// toolhelp snapshot of every thread on the system to find it again, costs
// time that would count as wall time.
var procNtResumeProcess = windows.NewLazySystemDLL("ntdll.dll").NewProc("NtResumeProcess")

// Resume lets the suspended child run.
func Resume(proc windows.Handle) error {
	if err := procNtResumeProcess.Find(); err != nil {
		return err
	}
	status, _, _ := procNtResumeProcess.Call(uintptr(proc))
	if status != 0 {
		return windows.NTStatus(status)
	}
	return nil
}

// TerminateIfRunning kills the whole job unless the child has already
// exited, and says whether it did.
func TerminateIfRunning(job, proc windows.Handle) bool {
	if event, err := windows.WaitForSingleObject(proc, 0); err == nil && event == windows.WAIT_OBJECT_0 {
		return false
	}
	return windows.TerminateJobObject(job, KilledExitCode) == nil
}

// ReadCounters reads every figure Windows keeps for the exited child proc
// and for job. It is called after the wait, before the handles are closed
// and before the job's leftovers are terminated.
func ReadCounters(proc, job windows.Handle) Counters {
	var c Counters
	var creation, exit, kernel, user windows.Filetime
	if windows.GetProcessTimes(proc, &creation, &exit, &kernel, &user) == nil {
		c.CPU = &CPUTimes{User: filetimeDuration(user), Kernel: filetimeDuration(kernel)}
	}
	c.Memory = readMemory(proc)
	var io windows.IO_COUNTERS
	if callProc(procGetProcessIoCounters, uintptr(proc), uintptr(unsafe.Pointer(&io))) {
		c.IO = &IOBytes{Read: io.ReadTransferCount, Written: io.WriteTransferCount}
	}
	c.JobCPU, c.JobPageFaults, c.JobIO = readJobAccounting(job)
	return c
}

// readMemory reads the child's peak working set and page-fault count. A
// process that ran had pages in its working set, so counters that are all
// zero are not a measurement (Wine returns them for an exited process) and
// give nil, never 0.
func readMemory(proc windows.Handle) *Memory {
	var m processMemoryCounters
	m.cb = uint32(unsafe.Sizeof(m))
	if !callProc(procK32GetProcessMemoryInfo, uintptr(proc), uintptr(unsafe.Pointer(&m)), uintptr(m.cb)) {
		return nil
	}
	if m.peakWorkingSetSize == 0 {
		return nil
	}
	return &Memory{PeakWorkingSetBytes: uint64(m.peakWorkingSetSize), PageFaults: uint64(m.pageFaultCount)}
}

// readJobAccounting reads the job's totals: CPU time and page faults of
// every process that was in it, and their I/O where the system gives the
// combined basic and I/O accounting (Wine does not: it gets nil I/O here
// and the child's own counters are used).
func readJobAccounting(job windows.Handle) (*CPUTimes, *uint64, *IOBytes) {
	var both jobBasicAndIOAccounting
	err := windows.QueryInformationJobObject(job, windows.JobObjectBasicAndIoAccountingInformation,
		uintptr(unsafe.Pointer(&both)), uint32(unsafe.Sizeof(both)), nil)
	basic, io := &both.basic, &IOBytes{Read: both.io.ReadTransferCount, Written: both.io.WriteTransferCount}
	if err != nil {
		io = nil
		err = windows.QueryInformationJobObject(job, windows.JobObjectBasicAccountingInformation,
			uintptr(unsafe.Pointer(basic)), uint32(unsafe.Sizeof(*basic)), nil)
		if err != nil {
			return nil, nil, nil
		}
	}
	cpu := &CPUTimes{User: hundredNs(basic.totalUserTime), Kernel: hundredNs(basic.totalKernelTime)}
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
