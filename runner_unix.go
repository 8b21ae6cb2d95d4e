//go:build unix

package adapters

import (
	"context"
	"runtime"
	"syscall"
	"time"

	"github.com/perfgate/adapters/internal/capture"
)

// run starts spec in its own process group and measures it. See the
// package documentation for the contract. The spawn and the wait are per
// OS (startAndWait); everything before and after them is here.
func (r StdProcessRunner) run(ctx context.Context, spec *CommandSpec) (RunResult, error) {
	env := childEnv(spec)
	prog, err := resolve(spec, env)
	if err != nil {
		return RunResult{}, err
	}
	outputCap := spec.effectiveOutputCap()
	stdout, stderr := capture.NewHead(outputCap), capture.NewHead(outputCap)
	energy := startEnergyMeter()

	w, err := r.startAndWait(ctx, spec, prog.Path, env, stdout, stderr)
	if err != nil {
		return RunResult{}, err
	}

	result := baseResult(w.end.Sub(w.start), prog.Size, stdout, stderr)
	switch {
	case w.status.Exited():
		result.ExitCode = w.status.ExitStatus()
	case w.status.Signaled():
		result.ExitCode = -1
		sig := int(w.status.Signal())
		result.Signal = &sig
	}
	rusageFiguresOf(w.usage).apply(&result, runtime.GOOS)
	if result.MaxRSSKB != nil && w.viaSpawner {
		// The spawner's peak at the spawn is the only floor.
		if *result.MaxRSSKB <= w.rssFloorKiB {
			result.MaxRSSKB = nil
		}
	} else if result.MaxRSSKB != nil {
		if own, ok := childPeakRSSKiB(*result.MaxRSSKB); ok {
			result.MaxRSSKB = &own
		} else {
			result.MaxRSSKB = nil
		}
	}
	if r.Scope == ScopeTree {
		applyTreeScope(&result, w.tree, SourceWait4)
	}
	energy.finish(&result)

	// A kill only counts when it is what ended the child: a child that
	// exited on its own a moment before the deadline did not time out.
	killedBySIGKILL := w.status.Signaled() && w.status.Signal() == syscall.SIGKILL
	switch {
	case w.cause == killedAtDeadline && killedBySIGKILL:
		result.TimedOut = true
	case w.cause == killedByContext && killedBySIGKILL:
		return result, newError(KindRunCommand, spec.Argv, "killed: context done", ctx.Err())
	}
	return result, nil
}

// exitWait is what startAndWait learned about the child.
type exitWait struct {
	// start is taken just before the spawn, end when the exit was seen.
	start, end time.Time
	status     syscall.WaitStatus
	usage      syscall.Rusage
	// cause says whether the deadline or the context killed the group.
	cause killCause
	// tree is what the run's cgroup gave in tree scope: nil where there
	// are no cgroups (macOS, the BSDs).
	tree *treeReading
	// viaSpawner says the child was started by the spawner (Linux), whose
	// VmHWM just after the spawn, rssFloorKiB, is the most the child can
	// have inherited: a larger ru_maxrss is the child's own.
	viaSpawner  bool
	rssFloorKiB uint64
}

// procAttr describes the child: its own process group, stdin, stdout and
// stderr from files, the spec's directory and environment.
func procAttr(spec *CommandSpec, env []string, stdin, stdout, stderr uintptr) *syscall.ProcAttr {
	return &syscall.ProcAttr{
		Dir:   spec.Cwd,
		Env:   env,
		Files: []uintptr{stdin, stdout, stderr},
		Sys:   &syscall.SysProcAttr{Setpgid: true},
	}
}

// killGroup sends SIGKILL to every process of the group pgid.
func killGroup(pgid int) { _ = syscall.Kill(-pgid, syscall.SIGKILL) }

// reap collects the exited child pid with wait4, which gives the child's
// own resource usage (and that of the descendants it waited for).
func reap(pid int) (syscall.WaitStatus, syscall.Rusage, error) {
	var status syscall.WaitStatus
	var usage syscall.Rusage
	for {
		_, err := syscall.Wait4(pid, &status, 0, &usage)
		if err == syscall.EINTR {
			continue
		}
		return status, usage, err
	}
}

func rusageFiguresOf(u syscall.Rusage) *rusageFigures {
	return &rusageFigures{
		user:        time.Duration(u.Utime.Nano()),
		system:      time.Duration(u.Stime.Nano()),
		maxRSSRaw:   int64(u.Maxrss),
		minorFaults: int64(u.Minflt),
		majorFaults: int64(u.Majflt),
		inBlocks:    int64(u.Inblock),
		outBlocks:   int64(u.Oublock),
		voluntary:   int64(u.Nvcsw),
		involuntary: int64(u.Nivcsw),
	}
}

// signalName names a signal for error messages ("signal 9 (killed)").
func signalName(sig int) string {
	return "signal " + itoa(sig) + " (" + syscall.Signal(sig).String() + ")"
}
