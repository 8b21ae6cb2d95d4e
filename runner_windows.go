package adapters

// The Windows runner: internal/runloop's job-object loop. Every run gets
// its own job object, created with kill-on-close, and the child is in it
// before it runs a single instruction; a deadline, a cancelled context or
// the end of the run terminates the whole tree at once, as a process group
// kill does on Unix.

import (
	"context"

	"github.com/perfgate/adapters/internal/runloop"
)

// startAndWait starts p's child in a job of its own and waits for it.
func startAndWait(ctx context.Context, p *runloop.Plan) (runloop.Exit, error) {
	return runloop.StartAndWait(ctx, p)
}

// signalDescription is empty: Windows processes do not end by signals.
func signalDescription(int) string { return "" }
