//go:build unix && !linux

package adapters

import (
	"context"

	"github.com/perfgate/adapters/internal/capture"
)

// startAndWait on macOS and the BSDs uses reader goroutines and wait4.
func (r StdProcessRunner) startAndWait(ctx context.Context, spec *CommandSpec, path string, env []string, stdout, stderr *capture.Head) (exitWait, error) {
	return r.startAndWaitWithReaders(ctx, spec, path, env, stdout, stderr)
}
