package runloop

// The Windows runner. Every run gets its own job object, created with
// kill-on-close, and the child is in it before it runs a single
// instruction: it is started suspended, assigned to the job, then resumed.
// Its descendants inherit the job, so a deadline, a cancelled context or
// the end of the run can terminate the whole tree at once, as a process
// group kill does on Unix. A process handle of our own (the one
// syscall.StartProcess returns; Go's os.Process is not involved) is kept
// until the figures are read. The job's system calls are in internal/winjob.

import (
	"context"
	"syscall"
	"time"

	"golang.org/x/sys/windows"

	"github.com/perfgate/adapters/internal/capture"
	"github.com/perfgate/adapters/internal/killswitch"
	"github.com/perfgate/adapters/internal/winjob"
)

// StartAndWait starts p's child in a job of its own and waits for it. The
// contract is the Unix one (see the adapters package documentation), with
// the job in place of the process group. On error nothing of the run is
// left running and the error is an *Error.
func StartAndWait(ctx context.Context, p *Plan) (Exit, error) {
	job, err := winjob.NewKillOnCloseJob()
	if err != nil {
		return Exit{}, &Error{Stage: StageJob, Reason: "cannot create a job object", Err: err}
	}
	// Closing the last handle of the job kills whatever is still in it:
	// the backstop for every return below.
	defer windows.CloseHandle(job)
	streams, err := capture.OpenStdio(p.Output, p.Stdin, capture.PollablePipes)
	if err != nil {
		return Exit{}, fail(StageStreams, err)
	}
	defer streams.CloseAll()

	var rec Exit
	// Wall time starts here: between this line and the wait below there is
	// only the spawn, the job assignment, the resume and goroutine starts.
	rec.Start = time.Now()
	proc, err := startInJob(p, job, streams)
	if err != nil {
		return Exit{}, err
	}
	defer windows.CloseHandle(proc)
	streams.StartReading(p.Stdout, p.Stderr)

	// The deadline is Go's timer rather than the wait's own timeout: that
	// one ticks with the system timer (15.6 ms by default). killed is
	// written under the switch's lock and read after MarkExited.
	var killed bool
	killSwitch := killswitch.Arm(ctx, rec.Start, p.Timeout, func() { killed = winjob.TerminateIfRunning(job, proc) })
	event, waitErr := windows.WaitForSingleObject(proc, windows.INFINITE)
	rec.End = time.Now()
	p.Stdin.ChildExited()
	// From here on nothing more is timed.
	rec.Cause = killSwitch.MarkExited()
	if waitErr == nil && event != windows.WAIT_OBJECT_0 {
		waitErr = syscall.Errno(event)
	}
	var code uint32
	if waitErr == nil {
		counters := winjob.ReadCounters(proc, job)
		rec.Job = &counters
		waitErr = windows.GetExitCodeProcess(proc, &code)
	}
	// Whatever the child left running in its job goes now (the child
	// too, if the wait failed), and with it the pipe handles it held.
	_ = windows.TerminateJobObject(job, winjob.KilledExitCode)
	streams.FinishReading(p.Stdout, p.Stderr, p.Grace)
	if waitErr != nil {
		return Exit{}, fail(StageWait, waitErr)
	}
	// Exit codes are 32-bit; perfgate (and Rust) read them as signed, so
	// an NTSTATUS such as 0xC0000005 is -1073741819, not 3221225477.
	rec.ExitCode = int(int32(code))
	rec.KillEndedIt = killed && code == winjob.KilledExitCode
	return rec, nil
}

// startInJob starts the child suspended, puts it in job and resumes it;
// it returns the child's process handle. On error nothing is left running.
func startInJob(p *Plan, job windows.Handle, streams *capture.Stdio) (windows.Handle, error) {
	attr := &syscall.ProcAttr{
		Dir:   p.Dir,
		Env:   p.Env,
		Files: streams.ChildFiles(),
		Sys: &syscall.SysProcAttr{
			// Suspended until it is in the job. A new process group, as
			// on Unix: a console Ctrl+C goes to the caller, which ends
			// the run, not to the measured program.
			CreationFlags: windows.CREATE_SUSPENDED | windows.CREATE_NEW_PROCESS_GROUP,
		},
	}
	// p.Path is absolute (pathlookup makes it so), which StartProcess
	// needs with a Dir: it would join a relative path to it.
	_, handle, err := syscall.StartProcess(p.Path, p.Argv, attr)
	if err != nil {
		return 0, fail(StageStart, err)
	}
	proc := windows.Handle(handle)
	if err := windows.AssignProcessToJobObject(job, proc); err != nil {
		// Still suspended: it has run nothing.
		_ = windows.TerminateProcess(proc, winjob.KilledExitCode)
		_, _ = windows.WaitForSingleObject(proc, windows.INFINITE)
		windows.CloseHandle(proc)
		return 0, &Error{Stage: StageJob, Reason: "cannot put program in a job object", Err: err}
	}
	if err := winjob.Resume(proc); err != nil {
		_ = windows.TerminateJobObject(job, winjob.KilledExitCode)
		_, _ = windows.WaitForSingleObject(proc, windows.INFINITE)
		windows.CloseHandle(proc)
		return 0, &Error{Stage: StageJob, Reason: "cannot resume program", Err: err}
	}
	return proc, nil
}
