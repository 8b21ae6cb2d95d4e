//go:build unix || windows

package bench

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/perfgate/adapters"
)

// The tests here start real children (this test binary in a helper mode),
// so they are built only where the runner can start processes; under
// js/wasm and wasip1 the runner has none to start.

// Real children: a warm-up and three measured runs of an exiting helper,
// and a failing one stopping the series with its run kept.
func TestRepeatRealProcesses(t *testing.T) {
	t.Parallel()
	runner := adapters.StdProcessRunner{}
	s, err := Repeat(context.Background(), runner, helperSpec(t, "exit", "0"), Options{Warmup: 1, Runs: 3})
	require.NoError(t, err)
	require.Len(t, s.Warmups, 1)
	require.Len(t, s.Runs, 3)
	for _, r := range s.Runs {
		assert.True(t, r.Succeeded())
		assert.Positive(t, r.Wall)
		assert.LessOrEqual(t, r.Wall, s.Ended.Sub(s.Started))
	}

	s, err = Repeat(context.Background(), runner, helperSpec(t, "exit", "3"), Options{Runs: 3})
	require.ErrorIs(t, err, adapters.ErrNonZeroExit)
	assert.Contains(t, err.Error(), "run 1/3: command exited unsuccessfully: ")
	assert.Contains(t, err.Error(), ": exit status 3")
	require.Len(t, s.Runs, 1)
	assert.Equal(t, 3, s.Runs[0].ExitCode)
}

// A context cancelled during a run kills the child, which is not kept.
func TestRepeatCancelDuringRun(t *testing.T) {
	t.Parallel()
	started := filepath.Join(t.TempDir(), "started")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		for {
			if _, err := os.Stat(started); err == nil {
				cancel()
				return
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	s, err := Repeat(ctx, adapters.StdProcessRunner{}, helperSpec(t, "block", started), Options{Runs: 2})
	require.ErrorIs(t, err, context.Canceled)
	require.ErrorIs(t, err, adapters.ErrKilled, "started, then killed")
	assert.NotErrorIs(t, err, adapters.ErrRunCommand)
	var re *RunError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, Step{Index: 0, Of: 2}, re.Step)
	assert.Empty(t, s.Runs)
	assert.FileExists(t, started)
}

// Receipts of real children validate, with the figures this platform
// gives in both the samples and the stats.
func TestReceiptFromRealRuns(t *testing.T) {
	t.Parallel()
	host := adapters.StdHostProbe{}.Probe(adapters.HostProbeOptions{IncludeHostnameHash: true})
	s, err := Repeat(context.Background(), adapters.StdProcessRunner{}, helperSpec(t, "exit", "0"), Options{Warmup: 2, Runs: 3})
	require.NoError(t, err)
	rec, err := NewReceipt(s, Tool{Name: "bench-test", Version: "devel"}, host)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "real.json")
	require.NoError(t, rec.WriteFile(path))
	r := validReceipt(t, path)
	assert.Equal(t, "exit", r.Bench.Name)
	assert.Equal(t, 3, r.Bench.Repeat)
	assert.Equal(t, 2, r.Bench.Warmup)
	assert.Nil(t, r.Bench.Cwd)
	assert.Nil(t, r.Bench.TimeoutMs)
	assert.Equal(t, host, r.Run.Host)
	require.Len(t, r.Samples, 5)
	wall, ok := Summarize([]uint64{s.Runs[0].WallMs, s.Runs[1].WallMs, s.Runs[2].WallMs})
	require.True(t, ok)
	wall.N = 0
	assert.Equal(t, wall, r.Stats.WallMs)
	assert.Equal(t, s.Runs[0].CPUMs != nil, r.Stats.CPUMs != nil)
	assert.Equal(t, s.Runs[0].BinaryBytes, ptr(r.Stats.BinaryBytes.Max))
	started, err := time.Parse(time.RFC3339Nano, r.Run.StartedAt)
	require.NoError(t, err)
	ended, err := time.Parse(time.RFC3339Nano, r.Run.EndedAt)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, ended.Sub(started), s.Runs[0].Wall+s.Runs[1].Wall+s.Runs[2].Wall)
}
