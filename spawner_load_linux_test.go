//go:build linux

package adapters

// The spawner under load: contexts that end as children exit, and many
// runs with a deadline at once. Each test waits for its runs only; the
// one time bound asserted is a lower one (Wall >= Timeout).

import (
	"context"
	"errors"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/perfgate/adapters/internal/spawner"
)

// sleepSpec runs /bin/sleep for d, or the sleep helper where there is
// none.
func sleepSpec(d time.Duration) CommandSpec {
	if _, err := os.Stat("/bin/sleep"); err == nil {
		return CommandSpec{Name: "sleep", Argv: []string{"/bin/sleep", strconv.FormatFloat(d.Seconds(), 'f', -1, 64)}}
	}
	return helperSpec("sleep", d.String())
}

// A context that ends just as its child exits never costs the spawner its
// life: the kill request that crosses the reply is not taken for a dead
// spawner. Every run gets its result or the context's error; none falls
// back, and one spawner serves them all.
func TestSpawnerContextEndsAsChildExits(t *testing.T) {
	s := freshSpawner(t)
	spec := sleepSpec(20 * time.Millisecond)
	runner := StdProcessRunner{}
	for i := range 400 {
		timeout := 20*time.Millisecond + time.Duration(i%100)*100*time.Microsecond
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		res, err := runner.Run(ctx, spec)
		cancel()
		if err != nil && !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("run %d (context %v): %v", i, timeout, err)
		}
		require.Empty(t, res.Notes["spawner"], "run %d (context %v)", i, timeout)
	}
	live := spawner.Live()
	require.NotNil(t, live)
	assert.Equal(t, s.Pid(), live.Pid(), "the same spawner served every run")
}

// Many runs at once, each with a deadline: every child gets its whole
// Timeout, measured from its own start, however long it waited to be
// spawned.
func TestSpawnerConcurrentDeadlinesFromChildStart(t *testing.T) {
	freshSpawner(t)
	const n = 64
	const timeout = 300 * time.Millisecond
	spec := sleepSpec(5 * time.Second)
	spec.Timeout = timeout
	runner := StdProcessRunner{}
	results := make([]RunResult, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = runner.Run(context.Background(), spec)
		}()
	}
	wg.Wait()
	for i := range n {
		res := results[i]
		require.NoError(t, errs[i], "run %d", i)
		assert.Empty(t, res.Notes["spawner"], "run %d", i)
		assert.True(t, res.TimedOut, "run %d", i)
		assert.GreaterOrEqual(t, res.Wall, timeout, "run %d: killed before its Timeout", i)
	}
}
