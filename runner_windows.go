//go:build windows

package adapters

import "context"

func (r *StdProcessRunner) run(ctx context.Context, spec *CommandSpec) (RunResult, error) {
	return RunResult{}, newError(KindRunCommand, spec.Argv, "not implemented yet", nil)
}

func signalName(sig int) string { return "signal " + itoa(sig) }
