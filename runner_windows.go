package adapters

// The Windows runner. Every run gets its own job object, created with
// kill-on-close, and the child is in it before it runs a single
// instruction: it is started suspended, assigned to the job, then resumed.
// Its descendants inherit the job, so a deadline, a cancelled context or
// the end of the run can terminate the whole tree at once, as a process
// group kill does on Unix. A process handle of our own (the one
// syscall.StartProcess returns; Go's os.Process is not involved) is kept
// until the figures are read. The job's system calls are in job_windows.go.

import (
	"context"
	"syscall"
	"time"

	"golang.org/x/sys/windows"

	"github.com/perfgate/adapters/internal/killswitch"
)

// startAndWait starts p's child in a job of its own and waits for it. The
// contract is the Unix one (see the package documentation), with the job
// in place of the process group.
func (r StdProcessRunner) startAndWait(ctx context.Context, p *runPlan) (exitRecord, error) {
	job, err := newKillOnCloseJob()
	if err != nil {
		return exitRecord{}, newError(KindRunCommand, p.spec.Argv, "cannot create a job object", err)
	}
	// Closing the last handle of the job kills whatever is still in it:
	// the backstop for every return below.
	defer windows.CloseHandle(job)
	streams, err := openStdio(p)
	if err != nil {
		return exitRecord{}, err
	}
	defer streams.closeAll()

	var rec exitRecord
	// Wall time starts here: between this line and the wait below there is
	// only the spawn, the job assignment, the resume and goroutine starts.
	rec.start = time.Now()
	proc, err := startInJob(p, job, streams)
	if err != nil {
		return exitRecord{}, err
	}
	defer windows.CloseHandle(proc)
	streams.startReading(p)

	// The deadline is Go's timer rather than the wait's own timeout: that
	// one ticks with the system timer (15.6 ms by default). killed is
	// written under the switch's lock and read after MarkExited.
	var killed bool
	killSwitch := killswitch.Arm(ctx, rec.start, p.spec.Timeout, func() { killed = terminateIfRunning(job, proc) })
	event, waitErr := windows.WaitForSingleObject(proc, windows.INFINITE)
	rec.end = time.Now()
	p.stdin.childExited()
	// From here on nothing more is timed.
	rec.cause = killSwitch.MarkExited()
	if waitErr == nil && event != windows.WAIT_OBJECT_0 {
		waitErr = syscall.Errno(event)
	}
	var code uint32
	if waitErr == nil {
		counters := readCounters(proc, job)
		rec.job = &counters
		waitErr = windows.GetExitCodeProcess(proc, &code)
	}
	// Whatever the child left running in its job goes now (the child
	// too, if the wait failed), and with it the pipe handles it held.
	_ = windows.TerminateJobObject(job, killedExitCode)
	streams.finishReading(p)
	if waitErr != nil {
		return exitRecord{}, waitError(p.spec, waitErr)
	}
	// Exit codes are 32-bit; perfgate (and Rust) read them as signed, so
	// an NTSTATUS such as 0xC0000005 is -1073741819, not 3221225477.
	rec.exitCode = int(int32(code))
	rec.killEndedIt = killed && code == killedExitCode
	return rec, nil
}

// startInJob starts the child suspended, puts it in job and resumes it;
// it returns the child's process handle. On error nothing is left running.
func startInJob(p *runPlan, job windows.Handle, streams *stdio) (windows.Handle, error) {
	attr := &syscall.ProcAttr{
		Dir:   p.spec.Cwd,
		Env:   p.env,
		Files: streams.childFiles(p.spec.Output),
		Sys: &syscall.SysProcAttr{
			// Suspended until it is in the job. A new process group, as
			// on Unix: a console Ctrl+C goes to the caller, which ends
			// the run, not to the measured program.
			CreationFlags: windows.CREATE_SUSPENDED | windows.CREATE_NEW_PROCESS_GROUP,
		},
	}
	// p.path is absolute (pathlookup makes it so), which StartProcess
	// needs with a Dir: it would join a relative path to it.
	_, handle, err := syscall.StartProcess(p.path, p.spec.Argv, attr)
	if err != nil {
		return 0, startError(p.spec, p.path, err)
	}
	proc := windows.Handle(handle)
	if err := windows.AssignProcessToJobObject(job, proc); err != nil {
		// Still suspended: it has run nothing.
		_ = windows.TerminateProcess(proc, killedExitCode)
		_, _ = windows.WaitForSingleObject(proc, windows.INFINITE)
		windows.CloseHandle(proc)
		return 0, newError(KindRunCommand, p.spec.Argv, "cannot put program in a job object", err)
	}
	if err := resumeProcess(proc); err != nil {
		_ = windows.TerminateJobObject(job, killedExitCode)
		_, _ = windows.WaitForSingleObject(proc, windows.INFINITE)
		windows.CloseHandle(proc)
		return 0, newError(KindRunCommand, p.spec.Argv, "cannot resume program", err)
	}
	return proc, nil
}

// signalDescription is empty: Windows processes do not end by signals.
func signalDescription(int) string { return "" }
