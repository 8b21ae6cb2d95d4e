package adapters

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"strconv"

	"github.com/perfgate/adapters/internal/capture"
	"github.com/perfgate/adapters/internal/killswitch"
	"github.com/perfgate/adapters/internal/powercap"
	"github.com/perfgate/adapters/internal/runloop"
)

// The run, written once for every operating system: what happens before
// the spawn and after the reap is here; how to start the child and wait
// for it is internal/runloop's StartAndWait, one per mechanism, which
// returns an OS-neutral runloop.Exit that this file turns into a RunResult
// (how rusage and job counters become figures is in figures.go).

// run measures spec: the contract is in the package documentation.
func (r StdProcessRunner) run(ctx context.Context, spec *CommandSpec) (RunResult, error) {
	env := childEnv(spec)
	prog, err := resolve(spec, env)
	if err != nil {
		return notStarted(err), err
	}
	plan := r.plan(spec, prog.Path, env)
	if plan.Stdin, err = capture.OpenFeed(spec.Stdin); err != nil {
		err = pipesError(spec, err)
		return notStarted(err), err
	}
	energy := powercap.StartMeter()
	exit, err := startAndWait(ctx, plan)
	// Ends the copy after a failed start too; each loop marked the exit
	// where it saw it.
	plan.Stdin.Stop()
	if err != nil {
		err = runError(spec, prog.Path, err)
		return notStarted(err), err
	}
	result := resultOf(&exit, plan, r.Scope, prog.Size)
	if uj, ok := energy.Finish(); ok {
		result.EnergyUJ = &uj
	}
	err = outcomeError(&exit, ctx, spec)
	if copied, readErr := plan.Stdin.Failure(); readErr != nil {
		stdinErr := newError(KindStdinRead, spec.Argv, "after "+strconv.FormatInt(copied, 10)+" bytes", readErr)
		result.setNote("stdin", "the Stdin reader failed "+stdinErr.Reason+
			" and the command read end of file there: "+readErr.Error())
		if err == nil { // a run the context ended reports that first
			err = stdinErr
		}
	}
	return result, err
}

// plan is what the run loop needs of spec and of the runner's settings.
func (r StdProcessRunner) plan(spec *CommandSpec, path string, env []string) *runloop.Plan {
	p := &runloop.Plan{
		Path: path, Argv: spec.Argv, Dir: spec.Cwd, Env: env, Timeout: spec.Timeout,
		Grace: r.pipeGrace(), Tree: r.Scope == ScopeTree, CgroupParent: r.CgroupParent,
		Direct: r.Direct || testHooks.direct, Paths: testHooks.paths,
	}
	if v := os.Getenv(NoSpawnerEnvKey); v != "" && v != "0" && !p.Direct {
		p.Direct, p.DirectWhy = true, NoSpawnerEnvKey+" is set"
	}
	switch spec.Output {
	case OutputInherit:
		p.Output = capture.Inherit
	case OutputDiscard:
		p.Output = capture.Discard
	default:
		p.Output = capture.Capture
		outputCap := spec.effectiveOutputCap()
		p.Stdout, p.Stderr = capture.NewHead(outputCap), capture.NewHead(outputCap)
	}
	return p
}

// runError is Run's error for a run the loop could not measure.
func runError(spec *CommandSpec, path string, err error) error {
	var failed *runloop.Error
	if !errors.As(err, &failed) {
		return newError(KindRunCommand, spec.Argv, "", err)
	}
	switch failed.Stage {
	case runloop.StageStreams:
		return pipesError(spec, failed.Err)
	case runloop.StageStart:
		return startError(spec, path, failed.Err)
	case runloop.StageWait:
		return waitError(spec, failed.Err)
	}
	return newError(KindRunCommand, spec.Argv, failed.Reason, failed.Err)
}

// resultOf turns the loop's record into a RunResult.
func resultOf(e *runloop.Exit, plan *runloop.Plan, scope Scope, binaryBytes int64) RunResult {
	r := RunResult{
		Wall:        e.End.Sub(e.Start),
		ExitCode:    e.ExitCode,
		BinaryBytes: uint64Ptr(uint64(binaryBytes)),
		TimedOut:    e.Cause == killswitch.AtDeadline && e.KillEndedIt,
	}
	r.WallMs = uint64(r.Wall.Milliseconds())
	if e.Signal != 0 {
		sig := e.Signal
		r.Signal = &sig
	}
	if plan.Stdout != nil {
		setOutput(&r, plan.Stdout, plan.Stderr)
	}
	processSource := noSource
	switch {
	case e.Usage != nil:
		applyUsage(&r, e.Usage)
		withholdInheritedPeak(&r, e.InheritedPeakKiB, e.ViaSpawner)
		processSource = SourceWait4
	case e.Job != nil:
		applyJobCounters(&r, e.Job)
	}
	switch {
	case e.SpawnerNote != "":
		r.setNote("spawner", e.SpawnerNote)
	case e.SpawnerFallback != "":
		r.setNote("spawner", "started directly: "+e.SpawnerFallback)
	}
	if scope == ScopeTree {
		if e.Job != nil {
			r.Sources = jobSources(&r, e.Job)
		} else {
			applyTreeScope(&r, e.Tree, processSource)
		}
		noteFallbacks(&r)
	}
	return r
}

// withholdInheritedPeak moves a peak that may be the spawning process's
// (at or below floorKiB) from MaxRSSKB to MaxRSSAtMostKB, and says why.
func withholdInheritedPeak(r *RunResult, floorKiB uint64, viaSpawner bool) {
	if r.MaxRSSKB == nil || *r.MaxRSSKB > floorKiB {
		return
	}
	r.setNote("max_rss_kb", withheldPeakNote(*r.MaxRSSKB, floorKiB, viaSpawner))
	r.MaxRSSAtMostKB, r.MaxRSSKB = r.MaxRSSKB, nil
}

// withheldPeakNote explains a max_rss_kb withheld because it may be the
// spawning process's peak rather than the child's.
func withheldPeakNote(reportedKiB, floorKiB uint64, viaSpawner bool) string {
	if floorKiB == math.MaxUint64 {
		return fmt.Sprintf("withheld: the peak of the process that started the child could not be read, "+
			"so ru_maxrss (%d KiB) may be that process's, not the child's", reportedKiB)
	}
	if viaSpawner {
		return fmt.Sprintf("withheld: ru_maxrss is not above the spawner's own peak of %d KiB, "+
			"which a child inherits at exec; the child's own peak is at most that", floorKiB)
	}
	return fmt.Sprintf("withheld: ru_maxrss is not above this process's own peak of %d KiB, "+
		"which a child started with vfork inherits at exec (golang/go#32054); "+
		"the child's own peak is at most that", floorKiB)
}

// outcomeError is Run's error for a run that the context ended: a kill by
// the context that is what ended the child. Every other run, timed out
// included, is a measurement with a nil error.
func outcomeError(e *runloop.Exit, ctx context.Context, spec *CommandSpec) error {
	if e.Cause == killswitch.ByContext && e.KillEndedIt {
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

// testHooks lets tests take paths that this machine would not take by
// itself, so that Linux CI covers them. Every field is false or empty in a
// program; only tests set them, never concurrently with a run.
var testHooks struct {
	// direct starts every run directly, as StdProcessRunner.Direct does,
	// so that the tests written for the default runner test the direct
	// spawn too.
	direct bool
	// paths are the run loop's own (reader goroutines on Linux, no
	// pidfd, a cgroup killed by freezing, a failed clone into a cgroup).
	paths runloop.Paths
}
