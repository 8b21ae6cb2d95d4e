//go:build unix

package adapters

// The Unix runner: internal/runloop's Unix loops (on Linux one ppoll loop
// and, in process scope, the spawner; elsewhere reader goroutines and a
// blocking wait4). The child runs in a process group of its own, which a
// deadline kills whole.

import (
	"context"
	"syscall"

	"github.com/perfgate/adapters/internal/runloop"
)

// startAndWait starts p's child and waits for it.
func startAndWait(ctx context.Context, p *runloop.Plan) (runloop.Exit, error) {
	return runloop.StartAndWait(ctx, p)
}

// signalDescription describes a signal ("killed").
func signalDescription(sig int) string { return syscall.Signal(sig).String() }
