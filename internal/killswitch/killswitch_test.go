package killswitch

import (
	"context"
	"math"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// counter is a kill function that counts its calls and signals the first.
type counter struct {
	n     atomic.Int32
	first chan struct{}
}

func newCounter() *counter { return &counter{first: make(chan struct{})} }

func (c *counter) kill() {
	if c.n.Add(1) == 1 {
		close(c.first)
	}
}

// A deadline that has passed kills at once, and only once: neither a later
// Kill nor the context's end kills again, and MarkExited says who killed.
func TestDeadlineKillsOnce(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	c := newCounter()
	k := Arm(ctx, time.Now().Add(-time.Hour), time.Millisecond, c.kill)
	<-c.first
	k.Kill(ByContext)
	cancel()
	assert.Equal(t, AtDeadline, k.MarkExited())
	assert.Equal(t, int32(1), c.n.Load())
}

// A child that exits before its deadline is never killed: MarkExited says
// NotKilled, and a Kill after it does nothing.
func TestMarkExitedBeforeTheDeadline(t *testing.T) {
	k := Arm(context.Background(), time.Now(), time.Hour, func() { t.Error("killed after MarkExited") })
	assert.Equal(t, NotKilled, k.MarkExited())
	k.Kill(AtDeadline)
	k.Kill(ByContext)
}

// A context that is done kills the child, and MarkExited says so.
func TestContextKills(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	c := newCounter()
	k := Arm(ctx, time.Now(), 0, c.kill)
	cancel()
	<-c.first
	assert.Equal(t, ByContext, k.MarkExited())
	assert.Equal(t, int32(1), c.n.Load())
}

// The context of a child that exited first kills nothing.
func TestContextAfterExit(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	k := Arm(ctx, time.Now(), 0, func() { t.Error("killed after MarkExited") })
	assert.Equal(t, NotKilled, k.MarkExited())
	cancel() // its AfterFunc is released: nothing runs
}

// Kill is the deadline a caller holds itself: it kills once, with its cause.
func TestKillNow(t *testing.T) {
	c := newCounter()
	k := Arm(context.Background(), time.Now(), 0, c.kill)
	k.Kill(AtDeadline)
	k.Kill(ByContext)
	assert.Equal(t, AtDeadline, k.MarkExited())
	assert.Equal(t, int32(1), c.n.Load())
}

// The wait until the deadline: the timeout less the time since the start,
// never wrapped when the start reads later than now and the timeout is huge.
func TestUntilDeadline(t *testing.T) {
	now := time.Now()
	for _, c := range []struct {
		start   time.Time
		timeout time.Duration
		want    time.Duration
	}{
		{now, time.Second, time.Second},
		{now.Add(-300 * time.Millisecond), time.Second, 700 * time.Millisecond},
		{now.Add(-time.Hour), time.Second, time.Second - time.Hour},
		{now.Add(time.Millisecond), time.Second, time.Second + time.Millisecond},
		{now, math.MaxInt64, math.MaxInt64},
		{now.Add(time.Millisecond), math.MaxInt64, math.MaxInt64},
		{now.Add(-time.Millisecond), math.MaxInt64, math.MaxInt64 - time.Millisecond},
	} {
		assert.Equal(t, c.want, untilDeadline(c.start, c.timeout, now), "start %v, timeout %v", c.start.Sub(now), c.timeout)
	}
}

// A huge timeout arms a timer that does not fire: MarkExited finds it
// unfired (an overflow to a past deadline would fire it at once, and the
// kill would then run before or race with MarkExited: the count says).
func TestHugeTimeoutDoesNotFire(t *testing.T) {
	c := newCounter()
	k := Arm(context.Background(), time.Now().Add(time.Millisecond), math.MaxInt64, c.kill)
	assert.Equal(t, NotKilled, k.MarkExited())
	assert.Equal(t, int32(0), c.n.Load())
}
