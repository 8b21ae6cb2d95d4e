package main

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/perfgate/adapters"
)

func TestStats(t *testing.T) {
	t.Parallel()
	s := newStats([]float64{5, 1, 4, 2, 3}, 7)
	assert.Equal(t, 5, s.N)
	assert.Equal(t, 7, s.Total)
	assert.Equal(t, 3.0, s.Mean)
	assert.InDelta(t, math.Sqrt(2.5), s.StdDev, 1e-12, "the sample deviation, n - 1")
	assert.True(t, s.hasStdDev)
	assert.Equal(t, 3.0, s.Median)
	assert.Equal(t, 1.0, s.Min)
	assert.Equal(t, 5.0, s.Max)

	s = newStats([]float64{4, 1}, 2)
	assert.Equal(t, 2.5, s.Median, "the mean of the middle two")

	s = newStats([]float64{7}, 1)
	assert.Equal(t, 7.0, s.Mean)
	assert.False(t, s.hasStdDev, "one value has no deviation")

	s = newStats(nil, 3)
	assert.Equal(t, stats{Total: 3}, s)
}

func TestStatsOfSkipsRunsWithoutTheFigure(t *testing.T) {
	t.Parallel()
	runs := recordsOf([]adapters.RunResult{
		{Wall: 2 * time.Millisecond, UserCPUUs: u64(1500), MaxRSSKB: u64(100)},
		{Wall: 4 * time.Millisecond},
		{Wall: 6 * time.Millisecond, UserCPUUs: u64(2500), MaxRSSKB: u64(300)},
	})
	assert.Equal(t, stats{N: 3, Total: 3, Mean: 4, StdDev: 2, Median: 4, Min: 2, Max: 6, hasStdDev: true}, statsOf(runs, wallMs))
	user := statsOf(runs, userMs)
	assert.Equal(t, 2, user.N)
	assert.Equal(t, 3, user.Total)
	assert.Equal(t, 2.0, user.Mean)
	assert.Equal(t, 0, statsOf(runs, systemMs).N)
	assert.Equal(t, []float64{100, 300}, valuesOf(runs, maxRSSKiB))
}

// numOutliers counts as hyperfine's test helper num_outliers does.
func numOutliers(xs []float64) int {
	if len(xs) == 0 {
		return 0
	}
	n := 0
	for _, s := range modifiedZScores(xs) {
		if math.Abs(s) > outlierThreshold {
			n++
		}
	}
	return n
}

// The cases of hyperfine's src/outlier_detection.rs tests.
func TestOutliersAsHyperfine(t *testing.T) {
	t.Parallel()
	normal := []float64{2.33269488, 1.42195907, -0.57527698, -0.31293437, 2.2948158,
		0.75813273, -1.0712388, -0.96394741, -1.15897446, 1.10976285}
	for _, tc := range []struct {
		xs   []float64
		want int
	}{
		{nil, 0},
		{[]float64{50}, 0},
		{[]float64{1000, 0}, 0},
		{[]float64{-0.2, 0, 0.2}, 0},
		{[]float64{-0.2, 0, 0.2, 4}, 1},
		{[]float64{0.5, 0.30, 0.29, 0.31, 0.30}, 1},
		{normal, 0},
		{append(append([]float64{}, normal...), 20, -500), 2},
		{[]float64{10, 10, 10, 10, 10, 10, 10, 100}, 1},
		{[]float64{10, 10, 10, 10, 10, 10, 10, 100, 100}, 2},
	} {
		assert.Equal(t, tc.want, numOutliers(tc.xs), "%v", tc.xs)
	}
}

func TestDetectOutliers(t *testing.T) {
	t.Parallel()
	assert.Equal(t, noOutliers, detectOutliers(nil))
	assert.Equal(t, noOutliers, detectOutliers([]float64{101, 100, 102, 99}))
	assert.Equal(t, slowFirstRun, detectOutliers([]float64{0.5, 0.30, 0.29, 0.31, 0.30}))
	assert.Equal(t, outliersPresent, detectOutliers([]float64{0.30, 0.5, 0.29, 0.31, 0.30}))
	assert.Equal(t, outliersPresent, detectOutliers([]float64{0.01, 0.30, 0.29, 0.31, 0.30}),
		"a first run much faster is an outlier, not a slow first run")
}

// hyperfine's test_compute_relative_speed, with its deviations of 1.
func TestRelativeSpeed(t *testing.T) {
	t.Parallel()
	mk := func(mean float64) stats { return stats{N: 2, Mean: mean, StdDev: 1, hasStdDev: true} }
	fastest := mk(2)
	for _, tc := range []struct{ mean, want float64 }{{3, 1.5}, {2, 1}, {5, 2.5}} {
		ratio, sd, hasSD, ok := relativeSpeed(mk(tc.mean), fastest)
		require.True(t, ok)
		require.True(t, hasSD)
		assert.InDelta(t, tc.want, ratio, 1e-12)
		assert.InDelta(t, tc.want*math.Sqrt(1/(tc.mean*tc.mean)+1.0/4), sd, 1e-12)
	}
	_, _, hasSD, ok := relativeSpeed(stats{N: 1, Mean: 3}, fastest)
	assert.True(t, ok)
	assert.False(t, hasSD, "one run has no deviation to propagate")
	_, _, _, ok = relativeSpeed(mk(3), stats{N: 2})
	assert.False(t, ok, "a mean of 0 has no ratio")
}

// perfgate's summarize_u64 and its tests.
func TestSummarizeU64(t *testing.T) {
	t.Parallel()
	assert.Nil(t, summarizeU64(nil))
	f := func(v float64) *float64 { return &v }
	assert.Equal(t, &u64Summary{Median: 42, Min: 42, Max: 42, Mean: f(42), StdDev: f(0)}, summarizeU64([]uint64{42}))
	assert.Equal(t, uint64(15), summarizeU64([]uint64{10, 20}).Median)
	assert.Equal(t, uint64(20), summarizeU64([]uint64{10, 30, 20}).Median)
	assert.Equal(t, uint64(25), summarizeU64([]uint64{10, 20, 30, 40}).Median)
	assert.Equal(t, uint64(1), summarizeU64([]uint64{2, 1}).Median, "rounded down")
	big := summarizeU64([]uint64{math.MaxUint64, math.MaxUint64 - 1})
	assert.Equal(t, uint64(math.MaxUint64-1), big.Median, "no overflow")
	assert.Equal(t, uint64(math.MaxUint64-1), big.Min)
	assert.Equal(t, uint64(math.MaxUint64), big.Max)
	s := summarizeU64([]uint64{1, 2, 3, 4, 5})
	assert.InDelta(t, 3, *s.Mean, 1e-10)
	assert.InDelta(t, math.Sqrt(2.5), *s.StdDev, 1e-10)
}
