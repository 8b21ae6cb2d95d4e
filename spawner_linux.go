//go:build linux

package adapters

// The root package's side of the spawner (internal/spawner, see
// docs/spawner.md): whether a run asks for it, and the one adapter from
// the spawner's outcome to the run's exitRecord.

import (
	"context"
	"errors"
	"os"

	"github.com/perfgate/adapters/internal/spawner"
	"github.com/perfgate/adapters/internal/spawner/program"
)

// spawnerChoice says whether p's child is started through the spawner and,
// when it would be but is not, why.
func (p *runPlan) spawnerChoice() (use bool, why string) {
	switch {
	case p.direct, testHooks.direct, p.scope == ScopeTree, !program.Supported:
		return false, "" // as documented: no note
	case !pidfdWorks():
		return false, "the kernel gives no pidfds (Linux before 5.3)"
	}
	if v := os.Getenv(NoSpawnerEnvKey); v != "" && v != "0" {
		return false, NoSpawnerEnvKey + " is set"
	}
	return true, ""
}

// startAndWaitViaSpawner is startAndWait for a run handed to the spawner:
// the same output loop as a direct spawn's, on the run socket instead of
// the child's pidfd. It returns a *spawner.FallbackError, with the streams
// untouched, when the run could not be handed over; nothing ran then.
func startAndWaitViaSpawner(ctx context.Context, p *runPlan, streams *rawStdio) (exitRecord, error) {
	req := spawner.Request{Path: p.path, Dir: p.spec.Cwd, Argv: p.spec.Argv, Env: p.env, Timeout: p.spec.Timeout}
	run, err := spawner.Start(ctx, &req, streams.child, p.grace)
	if err != nil {
		return exitRecord{}, err
	}
	streams.closeChildEnds() // the spawner holds its own copies now
	exited, waitErr := pumpOutput(streams, run.ExitFD(), p, run.OnExitFD)
	out, err := run.Finish(exited, waitErr)
	var startErr *spawner.StartError
	switch {
	case errors.As(err, &startErr):
		return exitRecord{}, startError(p.spec, p.path, startErr)
	case err != nil:
		return exitRecord{}, waitError(p.spec, err)
	}
	return spawnerRecord(&out), nil
}

// spawnerRecord is the record of a run the spawner took: what it saw of
// the child, whose peak's only floor is the spawner's own; or, when it
// never replied, the caller's clock with no status and no figures.
func spawnerRecord(out *spawner.Outcome) exitRecord {
	rec := exitRecord{start: out.Start, end: out.End, cause: out.Cause, spawnerNote: out.Note}
	if out.Abandoned {
		rec.exitCode, rec.killEndedIt = -1, true
		return rec
	}
	rec.setStatus(out.Status)
	usage := out.Usage
	rec.usage = &usage
	rec.inheritedPeakKiB = out.FloorKiB
	rec.viaSpawner = true
	return rec
}
