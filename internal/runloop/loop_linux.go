package runloop

// The Linux run: this goroutine alone spawns the child and runs one ppoll
// loop over the two output pipes and a pidfd, as a C harness would
// (pump_linux.go). No reader goroutines, no netpoller registrations, no
// polling interval: ppoll returns when output arrives or the child exits.
//
// In process scope the child is started by the spawner (spawner_linux.go,
// internal/spawner) unless the plan asks for a direct start; in tree scope
// it is cloned straight into a cgroup of its own (direct_linux.go). This
// file alone decides that a run the spawner should take is started
// directly, and why.

import (
	"context"
	"errors"

	"github.com/perfgate/adapters/internal/capture"
	"github.com/perfgate/adapters/internal/spawner"
	"github.com/perfgate/adapters/internal/spawner/program"
)

func init() { linuxStartAndWait = startAndWaitLinux }

func startAndWaitLinux(ctx context.Context, p *Plan) (Exit, error) {
	streams, err := capture.OpenStdio(p.Output, p.Stdin, capture.RawPipes)
	if err != nil {
		return Exit{}, fail(StageStreams, err)
	}
	defer streams.CloseAll()
	use, fallback := spawnerChoice(p)
	if use {
		rec, err := startAndWaitViaSpawner(ctx, p, streams)
		var unavailable *spawner.FallbackError
		if !errors.As(err, &unavailable) {
			return rec, err
		}
		fallback = unavailable.Why()
	}
	rec, err := startAndWaitDirect(ctx, p, streams)
	rec.SpawnerFallback = fallback
	return rec, err
}

// spawnerChoice says whether p's child is started through the spawner and,
// when it would be but is not, why.
func spawnerChoice(p *Plan) (use bool, why string) {
	switch {
	case p.Direct || p.Tree || !program.Supported:
		return false, p.DirectWhy // as documented: no note but the caller's
	case !pidfdWorks(p):
		return false, "the kernel gives no pidfds (Linux before 5.3)"
	}
	return true, ""
}
