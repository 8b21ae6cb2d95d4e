//go:build !unix && !windows

package adapters

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"sync"
	"time"

	"github.com/perfgate/adapters/internal/capture"
)

// run is the os/exec based runner for the platforms that are neither Unix
// nor Windows (plan9; js/wasm and wasip1, where no process can start). A
// deadline or a cancelled ctx kills the child only (not what it started);
// the figures are those the platform's ProcessState gives (see
// usageFigures in runner_other.go), the rest stay nil.
func (r StdProcessRunner) run(ctx context.Context, spec *CommandSpec) (RunResult, error) {
	env := childEnv(spec)
	prog, err := resolve(spec, env)
	if err != nil {
		return RunResult{}, err
	}
	outputCap := spec.effectiveOutputCap()
	stdout, stderr := &lockedHead{head: capture.NewHead(outputCap)}, &lockedHead{head: capture.NewHead(outputCap)}
	cmd := &exec.Cmd{
		Path:   prog.Path,
		Args:   spec.Argv,
		Dir:    spec.Cwd,
		Env:    env,
		Stdout: stdout,
		Stderr: stderr,
		// Bounds the wait for pipes held open by descendants.
		WaitDelay: r.pipeGrace(),
	}
	energy := startEnergyMeter()

	start := time.Now()
	if err := cmd.Start(); err != nil {
		return RunResult{}, newError(KindRunCommand, spec.Argv, "cannot start program", err)
	}
	killSwitch := armKillSwitch(ctx, start, spec.Timeout, func() { _ = cmd.Process.Kill() })
	state, waitErr := cmd.Process.Wait()
	end := time.Now()
	cause := killSwitch.markExited()
	// Cmd.Wait finishes the output copies (bounded by WaitDelay); the
	// process is already reaped, so its error is only about the pipes.
	_ = cmd.Wait()

	if waitErr != nil && !errors.Is(waitErr, os.ErrProcessDone) {
		return RunResult{}, newError(KindRunCommand, spec.Argv, "cannot wait for program", waitErr)
	}
	result := baseResult(end.Sub(start), prog.Size, stdout.head, stderr.head)
	result.ExitCode = state.ExitCode()
	usageFigures(state, &result)
	if r.Scope == ScopeTree {
		applyTreeScope(&result, nil, processUsageSource)
	}
	energy.finish(&result)
	switch cause {
	case killedAtDeadline:
		result.TimedOut = true
	case killedByContext:
		return result, newError(KindRunCommand, spec.Argv, "killed: context done", ctx.Err())
	}
	return result, nil
}

// lockedHead lets os/exec's copying goroutine write into a capture.Head.
type lockedHead struct {
	mu   sync.Mutex
	head *capture.Head
}

func (l *lockedHead) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.head.Write(p)
}
