package bench

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// numOutliers is hyperfine's num_outliers, which it keeps for its tests.
func numOutliers(xs []float64) int {
	n := 0
	for _, s := range ModifiedZScores(xs) {
		if math.Abs(s) > OutlierThreshold {
			n++
		}
	}
	return n
}

// hyperfine's own vectors (src/outlier_detection.rs).
func TestOutliersHyperfineVectors(t *testing.T) {
	t.Parallel()
	normal := []float64{2.33269488, 1.42195907, -0.57527698, -0.31293437, 2.2948158,
		0.75813273, -1.0712388, -0.96394741, -1.15897446, 1.10976285}
	for _, c := range []struct {
		xs   []float64
		want int
	}{
		{nil, 0}, {[]float64{50}, 0}, {[]float64{1000, 0}, 0},
		{[]float64{-0.2, 0, 0.2}, 0},
		{[]float64{-0.2, 0, 0.2, 4}, 1},
		{[]float64{0.5, 0.30, 0.29, 0.31, 0.30}, 1},
		{normal, 0},
		{append(append([]float64{}, normal...), 20, -500), 2},
		{[]float64{10, 10, 10, 10, 10, 10, 10, 100}, 1},
		{[]float64{10, 10, 10, 10, 10, 10, 10, 100, 100}, 2},
	} {
		assert.Equal(t, c.want, numOutliers(c.xs), "%v", c.xs)
	}
}

func TestModifiedZScoresExact(t *testing.T) {
	t.Parallel()
	// median 3; deviations 2 1 0 1 97, whose median is 1.
	assert.Equal(t, []float64{-2, -1, 0, 1, 97}, ModifiedZScores([]float64{1, 2, 3, 4, 100}))
	// MAD 0 is taken as 2^-52.
	assert.Equal(t, []float64{0, 0, 0, 0x1p52}, ModifiedZScores([]float64{10, 10, 10, 11}))
	assert.Nil(t, ModifiedZScores(nil))
	assert.Equal(t, 14.826, OutlierThreshold)
}

func TestDetectOutliers(t *testing.T) {
	t.Parallel()
	assert.Equal(t, NoOutliers, DetectOutliers(nil))
	assert.Equal(t, NoOutliers, DetectOutliers([]float64{10, 11, 9, 10}))
	assert.Equal(t, SlowFirstRun, DetectOutliers([]float64{100, 10, 11, 9, 10}))
	assert.Equal(t, SlowFirstRun, DetectOutliers([]float64{100, 10, 11, 9, 1000}), "a slow first run is told first")
	assert.Equal(t, OutliersPresent, DetectOutliers([]float64{10, 11, 100, 9, 10}))
	assert.Equal(t, OutliersPresent, DetectOutliers([]float64{1, 10, 11, 10, 10}), "a fast first run is any outlier")
	assert.Equal(t, "slow first run", SlowFirstRun.String())
	assert.Equal(t, "Outliers(7)", Outliers(7).String())
}

func meanSummary(mean, sd float64, n int) Summary[float64] {
	return Summary[float64]{Median: mean, Min: mean, Max: mean, Mean: &mean, StdDev: &sd, N: n}
}

// hyperfine's vectors (src/benchmark/relative_speed.rs): means 3, 2, 5
// with deviations of 1, against the fastest, 2.
func TestRelativeSpeed(t *testing.T) {
	t.Parallel()
	ref := meanSummary(2, 1, 10)
	for _, c := range []struct{ mean, ratio, sd float64 }{
		{3, 1.5, math.Sqrt(13) / 4}, // 1.5 * sqrt(1/9 + 1/4)
		{2, 1, math.Sqrt(2) / 2},
		{5, 2.5, 2.5 * math.Sqrt(1.0/25+1.0/4)},
	} {
		r, ok := RelativeSpeed(meanSummary(c.mean, 1, 10), ref)
		require.True(t, ok)
		assert.Equal(t, c.ratio, r.Value)
		assert.InDelta(t, c.sd, *r.StdDev, 1e-15)
	}

	// A reference slower than the command: hyperfine's 2.0 and 1.25
	// against a reference of 4 read as the inverse of 0.5 and as 1.25.
	slowRef := meanSummary(4, 1, 10)
	r, ok := RelativeSpeed(meanSummary(2, 1, 10), slowRef)
	require.True(t, ok)
	assert.Equal(t, 0.5, r.Value)
	assert.Equal(t, 2.0, r.Inverse().Value)
	assert.InDelta(t, *r.StdDev/0.5, *r.Inverse().StdDev/2, 1e-15, "the same relative uncertainty")
	r, _ = RelativeSpeed(meanSummary(5, 1, 10), slowRef)
	assert.Equal(t, 1.25, r.Value)
}

func TestRelativeSpeedEdges(t *testing.T) {
	t.Parallel()
	_, ok := RelativeSpeed(meanSummary(1, 0, 3), meanSummary(0, 0, 3))
	assert.False(t, ok, "hyperfine shows no comparison against a mean of 0")
	_, ok = RelativeSpeed(meanSummary(0, 0, 3), meanSummary(1, 0, 3))
	assert.False(t, ok)
	_, ok = RelativeSpeed(Summary[float64]{N: 2}, meanSummary(1, 0, 3))
	assert.False(t, ok, "no mean")

	r, ok := RelativeSpeed(meanSummary(3, 1, 1), meanSummary(2, 1, 10))
	require.True(t, ok)
	assert.Equal(t, Ratio{Value: 1.5}, r, "one run has no deviation to propagate")
	assert.Equal(t, Ratio{Value: 2}, Ratio{Value: 0.5}.Inverse())

	u, ok := RelativeSpeed(summaryOf[uint64](t, 30, 30), summaryOf[uint64](t, 10, 10))
	require.True(t, ok)
	assert.Equal(t, Ratio{Value: 3, StdDev: ptr(0.0)}, u)
}
