package adapters

import (
	"context"
	"sync"
	"time"

	"github.com/perfgate/adapters/internal/capture"
)

// killCause says who killed a run.
type killCause int

const (
	notKilled killCause = iota
	killedAtDeadline
	killedByContext
)

// killSwitch kills a running child at most once, at its deadline or when
// its context is done, and never after the child has exited: on Unix the
// group id is the child's pid, which may be reused once it is reaped.
type killSwitch struct {
	mu      sync.Mutex
	killFn  func()
	exited  bool
	cause   killCause
	timer   *time.Timer
	release func() bool
}

// armKillSwitch calls killFn at start+timeout (when timeout > 0) or when
// ctx is done, whichever comes first, until markExited is called.
func armKillSwitch(ctx context.Context, start time.Time, timeout time.Duration, killFn func()) *killSwitch {
	k := &killSwitch{killFn: killFn}
	if timeout > 0 {
		k.timer = time.AfterFunc(timeout-time.Since(start), func() { k.kill(killedAtDeadline) })
	}
	if ctx.Done() != nil {
		k.release = context.AfterFunc(ctx, func() { k.kill(killedByContext) })
	}
	return k
}

func (k *killSwitch) kill(cause killCause) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.exited || k.cause != notKilled {
		return
	}
	k.cause = cause
	k.killFn()
}

// markExited disarms the switch and says whether it fired.
func (k *killSwitch) markExited() killCause {
	k.mu.Lock()
	k.exited = true
	cause := k.cause
	k.mu.Unlock()
	if k.timer != nil {
		k.timer.Stop()
	}
	if k.release != nil {
		k.release()
	}
	return cause
}

// baseResult fills what every runner measures the same way: wall time,
// binary size and the captured output.
func baseResult(wall time.Duration, binaryBytes int64, stdout, stderr *capture.Head) RunResult {
	return RunResult{
		Wall:             wall,
		WallMs:           uint64(wall / time.Millisecond),
		BinaryBytes:      uint64Ptr(uint64(binaryBytes)),
		Stdout:           stdout.Bytes(),
		Stderr:           stderr.Bytes(),
		StdoutTotalBytes: uint64Ptr(stdout.Total()),
		StderrTotalBytes: uint64Ptr(stderr.Total()),
		StdoutTruncated:  stdout.Truncated(),
		StderrTruncated:  stderr.Truncated(),
	}
}

// energyMeter brackets a run with two RAPL readings; it reads nothing
// while the child runs.
type energyMeter struct {
	before energySnapshot
	ok     bool
}

func startEnergyMeter() energyMeter {
	before, ok := readEnergy()
	return energyMeter{before: before, ok: ok}
}

// finish sets r.EnergyUJ when both readings succeeded.
func (m energyMeter) finish(r *RunResult) {
	if !m.ok {
		return
	}
	if after, ok := readEnergy(); ok {
		if uj, ok := energyUsed(m.before, after); ok {
			r.EnergyUJ = &uj
		}
	}
}
