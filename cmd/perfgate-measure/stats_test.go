package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/perfgate/adapters"
)

// statsOf summarises only the runs that have a figure, in the unit the
// CLI shows; bench's tests cover the summary itself.
func TestStatsOfSkipsRunsWithoutTheFigure(t *testing.T) {
	t.Parallel()
	runs := recordsOf([]adapters.RunResult{
		{Wall: 2 * time.Millisecond, UserCPUUs: u64(1500), MaxRSSKB: u64(100)},
		{Wall: 4 * time.Millisecond},
		{Wall: 6 * time.Millisecond, UserCPUUs: u64(2500), MaxRSSKB: u64(300)},
	})
	wall := statsOf(runs, wallMs)
	assert.Equal(t, 3, wall.N)
	assert.Equal(t, [3]float64{4, 2, 6}, [3]float64{wall.Median, wall.Min, wall.Max})
	require.NotNil(t, wall.Mean)
	assert.Equal(t, 4.0, meanOf(wall))
	sd, ok := wall.SampleStdDev()
	assert.True(t, ok)
	assert.Equal(t, 2.0, sd)
	user := statsOf(runs, userMs)
	assert.Equal(t, 2, user.N)
	assert.Equal(t, 2.0, meanOf(user))
	none := statsOf(runs, systemMs)
	assert.Equal(t, 0, none.N)
	assert.Nil(t, none.Mean)
	assert.Equal(t, 0.0, meanOf(none), "no run had it")
	assert.Equal(t, []float64{100, 300}, valuesOf(runs, maxRSSKiB))
	assert.Equal(t, "2.000 ms (2 of 3 runs)", meanOrNA(user, len(runs), unitMs.format))
	assert.Equal(t, "4.000 ms", meanOrNA(wall, len(runs), unitMs.format))
	assert.Equal(t, notAvailable, meanOrNA(none, len(runs), unitMs.format))
}
