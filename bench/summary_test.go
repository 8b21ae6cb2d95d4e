package bench

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/perfgate/adapters"
)

func ptr[T any](v T) *T { return &v }

// summaryOf returns Summarize(values), requiring a summary.
func summaryOf[T Value](t *testing.T, values ...T) Summary[T] {
	t.Helper()
	s, ok := Summarize(values)
	require.True(t, ok)
	return s
}

// perfgate's vectors (stats/mod.rs) and hand-computed means and
// deviations: Welford on 10, 20 gives m2 = 50, on 1..5 m2 = 10, exactly.
func TestSummarizeExact(t *testing.T) {
	t.Parallel()
	assert.Equal(t, Summary[uint64]{Median: 42, Min: 42, Max: 42, Mean: ptr(42.0), StdDev: ptr(0.0), N: 1}, summaryOf[uint64](t, 42))
	assert.Equal(t, Summary[uint64]{Median: 15, Min: 10, Max: 20, Mean: ptr(15.0), StdDev: ptr(math.Sqrt(50)), N: 2}, summaryOf[uint64](t, 20, 10))
	assert.Equal(t, Summary[uint64]{Median: 20, Min: 10, Max: 30, Mean: ptr(20.0), StdDev: ptr(10.0), N: 3}, summaryOf[uint64](t, 10, 30, 20))
	assert.Equal(t, Summary[float64]{Median: 3, Min: 1, Max: 5, Mean: ptr(3.0), StdDev: ptr(math.Sqrt(2.5)), N: 5}, summaryOf(t, 5.0, 1, 4, 2, 3))
	assert.Equal(t, uint64(25), summaryOf[uint64](t, 10, 20, 30, 40).Median)
	assert.Equal(t, 15.0, summaryOf(t, 10.0, 20).Median)
	assert.Equal(t, 1.5, summaryOf(t, 2.0, 1).Median, "a float median is not rounded")
}

// The integer median of an even count rounds down and does not overflow.
func TestSummarizeU64Median(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ a, b, want uint64 }{
		{1, 2, 1}, {3, 4, 3}, {3, 5, 4}, {0, 1, 0},
		{math.MaxUint64 - 1, math.MaxUint64, math.MaxUint64 - 1},
		{math.MaxUint64, math.MaxUint64, math.MaxUint64},
		{math.MaxUint64 - 2, math.MaxUint64, math.MaxUint64 - 1},
	} {
		assert.Equal(t, c.want, summaryOf(t, c.b, c.a).Median, "%d, %d", c.a, c.b)
	}
	s := summaryOf[uint64](t, math.MaxUint64, math.MaxUint64)
	assert.Equal(t, 0x1p64, *s.Mean)
	assert.Equal(t, 0.0, *s.StdDev)
}

func TestSummarizeEdges(t *testing.T) {
	t.Parallel()
	s, ok := Summarize[uint64](nil)
	assert.False(t, ok)
	assert.Equal(t, Summary[uint64]{}, s)
	_, ok = Summarize([]float64{})
	assert.False(t, ok)

	// Not finite: the mean and deviation are left out, the rest kept.
	inf := summaryOf(t, 1, math.Inf(1))
	assert.Equal(t, Summary[float64]{Median: math.Inf(1), Min: 1, Max: math.Inf(1), N: 2}, inf)

	// Welford's running mean stays finite where a sum would not.
	big := summaryOf(t, 1.5e308, 1.5e308)
	assert.Equal(t, 1.5e308, *big.Mean)
	assert.Equal(t, 0.0, *big.StdDev)

	values := []uint64{3, 1, 2}
	summaryOf(t, values...)
	assert.Equal(t, []uint64{3, 1, 2}, values, "the input is not sorted in place")
}

// One value has perfgate's deviation of 0 but no sample deviation; a
// decoded summary's deviation is taken as written.
func TestSampleStdDev(t *testing.T) {
	t.Parallel()
	_, ok := summaryOf[uint64](t, 7).SampleStdDev()
	assert.False(t, ok)
	sd, ok := summaryOf[uint64](t, 10, 20).SampleStdDev()
	assert.True(t, ok)
	assert.Equal(t, math.Sqrt(50), sd)
	_, ok = summaryOf(t, 1, math.NaN()).SampleStdDev()
	assert.False(t, ok)

	var decoded Summary[uint64]
	require.NoError(t, json.Unmarshal([]byte(`{"median":1,"min":1,"max":1,"mean":1,"stddev":0}`), &decoded))
	assert.Equal(t, 0, decoded.N)
	sd, ok = decoded.SampleStdDev()
	assert.True(t, ok)
	assert.Equal(t, 0.0, sd)
}

func TestSummaryJSON(t *testing.T) {
	t.Parallel()
	b, err := json.Marshal(summaryOf[uint64](t, 10, 20))
	require.NoError(t, err)
	assert.JSONEq(t, `{"median":15,"min":10,"max":20,"mean":15,"stddev":7.0710678118654755}`, string(b))
	b, err = json.Marshal(summaryOf(t, 0.5, math.MaxFloat64, math.MaxFloat64))
	require.NoError(t, err)
	assert.JSONEq(t, `{"median":1.7976931348623157e308,"min":0.5,"max":1.7976931348623157e308}`, string(b))
}

// perfgate's compute_stats vectors, and figures some runs lack.
func TestComputeStats(t *testing.T) {
	t.Parallel()
	_, ok := ComputeStats(nil)
	assert.False(t, ok)

	runs := []adapters.RunResult{
		{WallMs: 100, CPUMs: ptr[uint64](50), PageFaults: ptr[uint64](3)},
		{WallMs: 110, CPUMs: ptr[uint64](60), ExitCode: 1},
		{WallMs: 105, CPUMs: ptr[uint64](55), BinaryBytes: ptr[uint64](4096)},
	}
	st, ok := ComputeStats(runs)
	require.True(t, ok)
	assert.Equal(t, Summary[uint64]{Median: 105, Min: 100, Max: 110, Mean: ptr(105.0), StdDev: ptr(5.0), N: 3}, st.WallMs)
	assert.Equal(t, Summary[uint64]{Median: 55, Min: 50, Max: 60, Mean: ptr(55.0), StdDev: ptr(5.0), N: 3}, *st.CPUMs)
	assert.Equal(t, Summary[uint64]{Median: 3, Min: 3, Max: 3, Mean: ptr(3.0), StdDev: ptr(0.0), N: 1}, *st.PageFaults)
	assert.Equal(t, uint64(4096), st.BinaryBytes.Median)
	for name, s := range map[string]*Summary[uint64]{"ctx": st.CtxSwitches, "rss": st.MaxRSSKB, "read": st.IOReadBytes,
		"write": st.IOWriteBytes, "net": st.NetworkPackets, "energy": st.EnergyUJ} {
		assert.Nil(t, s, name)
	}
	b, err := json.Marshal(st)
	require.NoError(t, err)
	var keys map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(b, &keys))
	assert.Len(t, keys, 4, "%s", b)
	assert.Contains(t, keys, "page_faults")
}

func TestFigureAndWallMillis(t *testing.T) {
	t.Parallel()
	runs := []adapters.RunResult{{MaxRSSKB: ptr[uint64](9), Wall: 1500 * 1000}, {Wall: 2_000_001}, {MaxRSSKB: ptr[uint64](7)}}
	assert.Equal(t, []uint64{9, 7}, Figure(runs, adapters.FigureMaxRSSKB))
	assert.Equal(t, []float64{1.5, 2.000001, 0}, WallMillis(runs))
}
