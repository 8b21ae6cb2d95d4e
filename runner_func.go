package adapters

import "context"

// RunnerFunc is a function with the signature of ProcessRunner.Run, and a
// ProcessRunner itself, as http.HandlerFunc is an http.Handler: a runner
// written inline, to wrap another runner or to fake one in a test
// (FakeProcessRunner.SetFunc takes one for a single argv).
type RunnerFunc func(ctx context.Context, spec CommandSpec) (RunResult, error)

var _ ProcessRunner = RunnerFunc(nil)

// Run calls f(ctx, spec).
func (f RunnerFunc) Run(ctx context.Context, spec CommandSpec) (RunResult, error) {
	return f(ctx, spec)
}
