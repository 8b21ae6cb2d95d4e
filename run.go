package adapters

import (
	"context"
	"math"
	"runtime"
	"strconv"
	"time"

	"github.com/perfgate/adapters/internal/capture"
	"github.com/perfgate/adapters/internal/killswitch"
	"github.com/perfgate/adapters/internal/sysproc"
)

// The run, written once for every operating system: what happens before
// the spawn and after the reap is here; how to start the child and wait
// for it is each OS's startAndWait (runner_unix.go, runner_windows.go,
// runner_other.go), which returns an OS-neutral exitRecord.

// runPlan is everything startAndWait needs to start the child: the spec,
// the program found for it, the child's environment and where its output
// goes.
type runPlan struct {
	spec *CommandSpec
	// path is the program to execute, absolute.
	path string
	env  []string
	// stdout and stderr receive the output in OutputCapture mode; both
	// are nil in the other modes.
	stdout, stderr *capture.Head
	// grace bounds the wait for the output pipes after the child exited.
	grace time.Duration
	// stdin is the child's standard input when CommandSpec.Stdin is set;
	// each path calls its childExited when it sees the exit.
	stdin *stdinFeed
	// scope is the runner's Scope: ScopeTree asks for a cgroup (Linux).
	scope        Scope
	cgroupParent string
	direct       bool
}

// captures reports whether the output is read through pipes.
func (p *runPlan) captures() bool { return p.stdout != nil }

// exitRecord is what startAndWait learned of a finished run.
type exitRecord struct {
	// start is taken just before the spawn, end when the exit was seen.
	start, end time.Time
	// exitCode is the child's exit status, -1 when a signal ended it.
	exitCode int
	// signal is the signal that ended the child, 0 when none did.
	signal int
	// cause says whether the deadline or the context killed the run;
	// killEndedIt whether that kill is what ended the child (a child that
	// exited on its own a moment before the deadline did not time out).
	cause       killswitch.Cause
	killEndedIt bool

	// usage is the child's rusage (Unix); nil where the OS gives none.
	usage *sysproc.Usage
	// inheritedPeakKiB is the most of usage's peak RSS that the child
	// can have inherited from the process that spawned it (Linux folds
	// the spawner's peak into a vfork child's ru_maxrss). A peak at or
	// below it is withheld. Zero where nothing is inherited.
	inheritedPeakKiB uint64
	// job is what Windows recorded for the child and its job.
	job *jobCounters
	// viaSpawner says the spawner started the child (Linux), so that
	// inheritedPeakKiB is the spawner's peak; spawnerFallback says why a
	// run that asked for the spawner was started directly.
	viaSpawner      bool
	spawnerFallback string
	// spawnerNote explains a run the spawner took but did not finish.
	spawnerNote string
	// tree is what the run's cgroup gave in tree scope; nil where no
	// cgroup was tried (no cgroups on this OS, or process scope).
	tree *treeReading
}

// run measures spec: the contract is in the package documentation.
func (r StdProcessRunner) run(ctx context.Context, spec *CommandSpec) (RunResult, error) {
	env := childEnv(spec)
	prog, err := resolve(spec, env)
	if err != nil {
		return notStarted(err), err
	}
	plan := &runPlan{spec: spec, path: prog.Path, env: env, grace: r.pipeGrace(),
		scope: r.Scope, cgroupParent: r.CgroupParent, direct: r.Direct}
	if spec.Output.captures() {
		outputCap := spec.effectiveOutputCap()
		plan.stdout, plan.stderr = capture.NewHead(outputCap), capture.NewHead(outputCap)
	}
	if plan.stdin, err = openStdin(spec.Stdin); err != nil {
		err = pipesError(spec, err)
		return notStarted(err), err
	}
	energy := startEnergyMeter()
	exit, err := r.startAndWait(ctx, plan)
	// Ends the copy after a failed start too; each path marked the exit
	// where it saw it.
	plan.stdin.stop()
	if err != nil {
		return notStarted(err), err
	}
	result := exit.result(plan, prog.Size)
	energy.finish(&result)
	err = exit.outcomeError(ctx, spec)
	if stdinErr := plan.stdin.failure(spec); stdinErr != nil {
		noteStdinFailure(&result, stdinErr)
		if err == nil { // a run the context ended reports that first
			err = stdinErr
		}
	}
	return result, err
}

// result turns the record into a RunResult.
func (e *exitRecord) result(plan *runPlan, binaryBytes int64) RunResult {
	wall := e.end.Sub(e.start)
	r := RunResult{
		Wall:        wall,
		WallMs:      uint64(wall / time.Millisecond),
		ExitCode:    e.exitCode,
		BinaryBytes: uint64Ptr(uint64(binaryBytes)),
		TimedOut:    e.cause == killswitch.AtDeadline && e.killEndedIt,
	}
	if e.signal != 0 {
		sig := e.signal
		r.Signal = &sig
	}
	if plan.captures() {
		setOutput(&r, plan.stdout, plan.stderr)
	}
	processSource := noSource
	switch {
	case e.usage != nil:
		applyRusage(&r, e.usage, runtime.GOOS)
		if r.MaxRSSKB != nil && *r.MaxRSSKB <= e.inheritedPeakKiB {
			r.setNote("max_rss_kb", withheldPeakNote(*r.MaxRSSKB, e.inheritedPeakKiB, e.viaSpawner))
			r.MaxRSSAtMostKB, r.MaxRSSKB = r.MaxRSSKB, nil
		}
		processSource = SourceWait4
	case e.job != nil:
		e.job.apply(&r)
	}
	if e.spawnerFallback != "" {
		r.setNote("spawner", "started directly: "+e.spawnerFallback)
	}
	if e.spawnerNote != "" {
		r.setNote("spawner", e.spawnerNote)
	}
	if plan.scope == ScopeTree {
		if e.job != nil {
			r.Sources = e.job.sources(&r)
		} else {
			applyTreeScope(&r, e.tree, processSource)
		}
		noteFallbacks(&r)
	}
	return r
}

// withheldPeakNote explains a max_rss_kb withheld because it may be the
// spawning process's peak rather than the child's.
func withheldPeakNote(reportedKiB, floorKiB uint64, viaSpawner bool) string {
	if floorKiB == math.MaxUint64 {
		return "withheld: the peak of the process that started the child could not be read, so ru_maxrss (" +
			strconv.FormatUint(reportedKiB, 10) + " KiB) may be that process's, not the child's"
	}
	floor := strconv.FormatUint(floorKiB, 10) + " KiB"
	if viaSpawner {
		return "withheld: ru_maxrss is not above the spawner's own peak of " + floor +
			", which a child inherits at exec; the child's own peak is at most that"
	}
	return "withheld: ru_maxrss is not above this process's own peak of " + floor +
		", which a child started with vfork inherits at exec (golang/go#32054); " +
		"the child's own peak is at most that"
}

// noteFallbacks copies into Notes the reason of every tree-scope figure
// that fell back to the process's, so that Notes explains every scope.
func noteFallbacks(r *RunResult) {
	for key, src := range r.Sources {
		if src.Scope != ScopeTree && src.Note != "" {
			r.setNote(key, "process figure, not the tree's: "+src.Note)
		}
	}
}

// outcomeError is Run's error for a run that the context ended: a kill by
// the context that is what ended the child. Every other run, timed out
// included, is a measurement with a nil error.
func (e *exitRecord) outcomeError(ctx context.Context, spec *CommandSpec) error {
	if e.cause == killswitch.ByContext && e.killEndedIt {
		return newError(KindKilled, spec.Argv, "", ctx.Err())
	}
	return nil
}

// setOutput fills the captured heads and their totals.
func setOutput(r *RunResult, stdout, stderr *capture.Head) {
	r.Stdout, r.Stderr = stdout.Bytes(), stderr.Bytes()
	r.StdoutTotalBytes, r.StderrTotalBytes = uint64Ptr(stdout.Total()), uint64Ptr(stderr.Total())
	r.StdoutTruncated, r.StderrTruncated = stdout.Truncated(), stderr.Truncated()
}
