//go:build !unix && !windows

package adapters

// The runner of the platforms that are neither Unix nor Windows: plan9,
// where os/exec starts the child, and js/wasm and wasip1, where no process
// can start (os/exec says so, and Run returns ErrRunCommand). A deadline
// or a cancelled ctx kills the child only, not what it started, and these
// platforms report no resource usage for a child: every figure but wall
// time, exit code and output stays nil.

import (
	"context"

	"github.com/perfgate/adapters/internal/runloop"
)

// startAndWait starts p's child with os/exec and waits for it.
func startAndWait(ctx context.Context, p *runloop.Plan) (runloop.Exit, error) {
	return runloop.StartAndWait(ctx, p)
}

// signalDescription is empty: these platforms name no signals.
func signalDescription(int) string { return "" }
