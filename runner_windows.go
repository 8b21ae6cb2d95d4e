package adapters

// The Windows runner. Every run gets its own job object, created with
// kill-on-close, and the child is in it before it runs a single
// instruction: it is started suspended, assigned to the job, then resumed.
// Its descendants inherit the job, so a deadline, a cancelled context or
// the end of the run can terminate the whole tree at once, as a process
// group kill does on Unix. A process handle of our own (the one
// syscall.StartProcess returns; Go's os.Process is not involved) is kept
// until the figures are read.

import (
	"context"
	"sync"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"

	"github.com/perfgate/adapters/internal/capture"
)

// killedExitCode is the exit code TerminateJobObject gives the processes it
// kills. As an int32 (perfgate's exit_code, Rust's ExitStatus::code) it
// reads -1, the ExitCode Unix reports for a killed child.
const killedExitCode = ^uint32(0)

// run starts spec in a job of its own and measures it. The contract is the
// Unix one (see the package documentation), with the job in place of the
// process group.
func (r StdProcessRunner) run(ctx context.Context, spec *CommandSpec) (RunResult, error) {
	env := childEnv(spec)
	prog, err := resolve(spec, env)
	if err != nil {
		return RunResult{}, err
	}
	job, err := newKillOnCloseJob()
	if err != nil {
		return RunResult{}, newError(KindRunCommand, spec.Argv, "cannot create a job object", err)
	}
	// Closing the last handle of the job kills whatever is still in it:
	// the backstop for every return below.
	defer windows.CloseHandle(job)
	pipes, err := openStdio()
	if err != nil {
		return RunResult{}, newError(KindRunCommand, spec.Argv, "cannot create output pipes", err)
	}
	defer pipes.closeAll()

	outputCap := spec.effectiveOutputCap()
	stdout, stderr := capture.NewHead(outputCap), capture.NewHead(outputCap)
	attr := &syscall.ProcAttr{
		Dir:   spec.Cwd,
		Env:   env,
		Files: []uintptr{pipes.stdin.Fd(), pipes.stdoutW.Fd(), pipes.stderrW.Fd()},
		Sys: &syscall.SysProcAttr{
			// Suspended until it is in the job. A new process group, as
			// on Unix: a console Ctrl+C goes to the caller, which ends
			// the run, not to the measured program.
			CreationFlags: windows.CREATE_SUSPENDED | windows.CREATE_NEW_PROCESS_GROUP,
		},
	}
	energy := startEnergyMeter()

	// Wall time starts here: between this line and the wait below there is
	// only the spawn, the job assignment, the resume and goroutine starts.
	start := time.Now()
	// prog.Path is absolute (pathlookup makes it so), which StartProcess
	// needs with a Dir: it would join a relative path to it.
	_, handle, err := syscall.StartProcess(prog.Path, spec.Argv, attr)
	if err != nil {
		return RunResult{}, startError(spec, prog.Path, err)
	}
	proc := windows.Handle(handle)
	defer windows.CloseHandle(proc)
	if err := windows.AssignProcessToJobObject(job, proc); err != nil {
		// Still suspended: it has run nothing.
		_ = windows.TerminateProcess(proc, killedExitCode)
		_, _ = windows.WaitForSingleObject(proc, windows.INFINITE)
		return RunResult{}, newError(KindRunCommand, spec.Argv, "cannot put program in a job object", err)
	}
	if err := resumeProcess(proc); err != nil {
		_ = windows.TerminateJobObject(job, killedExitCode)
		_, _ = windows.WaitForSingleObject(proc, windows.INFINITE)
		return RunResult{}, newError(KindRunCommand, spec.Argv, "cannot resume program", err)
	}
	// The child holds its own handles; ours must go so that the readers
	// see end of file when the child's side closes.
	pipes.closeChildEnds()

	var readers sync.WaitGroup
	readers.Add(2)
	go drain(&readers, stdout, pipes.stdoutR)
	go drain(&readers, stderr, pipes.stderrR)

	// The deadline is Go's timer rather than the wait's own timeout: that
	// one ticks with the system timer (15.6 ms by default). killed is
	// written under the switch's lock and read after markExited.
	var killed bool
	killSwitch := armKillSwitch(ctx, start, spec.Timeout, func() { killed = terminateIfRunning(job, proc) })
	event, waitErr := windows.WaitForSingleObject(proc, windows.INFINITE)
	end := time.Now()
	// From here on nothing more is timed.
	cause := killSwitch.markExited()
	if waitErr == nil && event != windows.WAIT_OBJECT_0 {
		waitErr = syscall.Errno(event)
	}
	var counters winCounters
	var code uint32
	if waitErr == nil {
		counters = readCounters(proc, job)
		waitErr = windows.GetExitCodeProcess(proc, &code)
	}
	// Whatever the child left running in its job goes now (the child
	// too, if the wait failed), and with it the pipe handles it held.
	_ = windows.TerminateJobObject(job, killedExitCode)
	pipes.finishReading(&readers, r.pipeGrace())

	if waitErr != nil {
		return RunResult{}, newError(KindRunCommand, spec.Argv, "cannot wait for program", waitErr)
	}
	result := baseResult(end.Sub(start), prog.Size, stdout, stderr)
	// Exit codes are 32-bit; perfgate (and Rust) read them as signed, so
	// an NTSTATUS such as 0xC0000005 is -1073741819, not 3221225477.
	result.ExitCode = int(int32(code))
	counters.apply(&result)
	if r.Scope == ScopeTree {
		result.Sources = counters.sources(&result)
	}
	energy.finish(&result)

	// A kill only counts when it is what ended the child: a child that
	// exited on its own a moment before the deadline did not time out.
	killedByUs := killed && code == killedExitCode
	switch {
	case cause == killedAtDeadline && killedByUs:
		result.TimedOut = true
	case cause == killedByContext && killedByUs:
		return result, newError(KindRunCommand, spec.Argv, "killed: context done", ctx.Err())
	}
	return result, nil
}

// newKillOnCloseJob creates an unnamed job whose processes are all killed
// when its last handle is closed, so that nothing of a run outlives Run,
// even if Run itself never gets to terminate them.
func newKillOnCloseJob() (windows.Handle, error) {
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

// resumeProcess lets the suspended child run.
func resumeProcess(proc windows.Handle) error {
	if err := procNtResumeProcess.Find(); err != nil {
		return err
	}
	status, _, _ := procNtResumeProcess.Call(uintptr(proc))
	if status != 0 {
		return windows.NTStatus(status)
	}
	return nil
}

// terminateIfRunning kills the whole job unless the child has already
// exited, and says whether it did.
func terminateIfRunning(job, proc windows.Handle) bool {
	if event, err := windows.WaitForSingleObject(proc, 0); err == nil && event == windows.WAIT_OBJECT_0 {
		return false
	}
	return windows.TerminateJobObject(job, killedExitCode) == nil
}

// signalName names a signal; Windows processes do not end by signals.
func signalName(sig int) string { return "signal " + itoa(sig) }
