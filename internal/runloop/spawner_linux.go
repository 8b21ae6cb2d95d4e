package runloop

// A run handed to the spawner (internal/spawner, docs/spawner.md), and the
// one adapter from the spawner's outcome to the run's Exit.

import (
	"context"
	"errors"

	"github.com/perfgate/adapters/internal/capture"
	"github.com/perfgate/adapters/internal/spawner"
)

// startAndWaitViaSpawner runs the same output loop as a direct spawn's, on
// the run socket instead of the child's pidfd. It returns a
// *spawner.FallbackError, with the streams untouched, when the run could
// not be handed over; nothing ran then.
func startAndWaitViaSpawner(ctx context.Context, p *Plan, streams *capture.Stdio) (Exit, error) {
	req := spawner.Request{Path: p.Path, Dir: p.Dir, Argv: p.Argv, Env: p.Env, Timeout: p.Timeout}
	run, err := spawner.Start(ctx, &req, streams.ChildFDs(), p.Grace)
	if err != nil {
		return Exit{}, err
	}
	streams.CloseChildEnds() // the spawner holds its own copies now
	exited, waitErr := pumpOutput(streams, run.ExitFD(), p, run.OnExitFD)
	out, err := run.Finish(exited, waitErr)
	var startErr *spawner.StartError
	switch {
	case errors.As(err, &startErr):
		return Exit{}, fail(StageStart, startErr)
	case err != nil:
		return Exit{}, fail(StageWait, err)
	}
	return spawnerExit(&out), nil
}

// spawnerExit is the record of a run the spawner took: what it saw of the
// child, whose peak's only floor is the spawner's own; or, when it never
// replied, the caller's clock with no status and no figures.
func spawnerExit(out *spawner.Outcome) Exit {
	rec := Exit{Start: out.Start, End: out.End, Cause: out.Cause, SpawnerNote: out.Note}
	if out.Abandoned {
		rec.ExitCode, rec.KillEndedIt = -1, true
		return rec
	}
	rec.setStatus(out.Status)
	usage := out.Usage
	rec.Usage = &usage
	rec.InheritedPeakKiB = out.FloorKiB
	rec.ViaSpawner = true
	return rec
}
