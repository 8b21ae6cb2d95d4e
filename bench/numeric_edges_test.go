package bench

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/perfgate/adapters"
)

// A Summary holding NaN or infinities marshals, as perfgate's serde_json
// writes them: null for median, min and max, mean and stddev left out.
func TestSummaryWithNonFiniteValuesMarshals(t *testing.T) {
	t.Parallel()
	inf, nan := math.Inf(1), math.NaN()
	b, err := json.Marshal(Summary[float64]{Median: nan, Min: math.Inf(-1), Max: inf, Mean: &inf, StdDev: &nan})
	require.NoError(t, err)
	assert.JSONEq(t, `{"median":null,"min":null,"max":null}`, string(b))

	// Values of 1e308 overflow the median of two.
	s, ok := Summarize([]float64{1e308, 1.7e308})
	require.True(t, ok)
	b, err = json.Marshal(s)
	require.NoError(t, err)
	assert.JSONEq(t, `{"median":null,"min":1e308,"max":1.7e308}`, string(b))

	// Finite ones are written as before.
	u, _ := Summarize([]uint64{1, 2, 4})
	b, err = json.Marshal(u)
	require.NoError(t, err)
	assert.JSONEq(t, `{"median":2,"min":1,"max":4,"mean":2.3333333333333335,"stddev":1.5275252316519465}`, string(b))
}

// A deviation is never negative, whatever the signs of the means.
func TestRelativeSpeedDeviationIsNeverNegative(t *testing.T) {
	t.Parallel()
	neg, _ := Summarize([]float64{-10, -12})
	pos, _ := Summarize([]float64{5, 6})
	for _, pair := range [][2]Summary[float64]{{neg, pos}, {pos, neg}, {neg, neg}} {
		r, ok := RelativeSpeed(pair[0], pair[1])
		require.True(t, ok)
		require.NotNil(t, r.StdDev)
		assert.GreaterOrEqual(t, *r.StdDev, 0.0, "%v", pair)
		inv := r.Inverse()
		assert.GreaterOrEqual(t, *inv.StdDev, 0.0, "inverse of %v", pair)
	}
}

// validateJSON requires data to validate against perfgate's schema.
func validateJSON(t *testing.T, data []byte) {
	t.Helper()
	sch, err := receiptSchema()
	require.NoError(t, err)
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	require.NoError(t, err)
	require.NoError(t, sch.Validate(inst), "%s", data)
}

// Every receipt NewReceipt returns without an error validates; a series
// it cannot make a valid receipt of is an error.
func TestNewReceiptNumericEdges(t *testing.T) {
	t.Parallel()
	tool := Tool{Name: "t", Version: "0"}
	huge := uint64(math.MaxUint64)
	runs := []adapters.RunResult{
		{WallMs: huge, Wall: math.MaxInt64, CPUMs: &huge, MaxRSSKB: &huge, ExitCode: math.MinInt32},
		{WallMs: 0, ExitCode: math.MaxInt32, Stdout: []byte{0xff, 0xfe}, Stderr: []byte("\x00")},
		adapters.FakeTimedOut(500 * time.Microsecond),
	}

	// Nil and empty argv: "command": null would not validate.
	for _, argv := range [][]string{nil, {}} {
		_, err := NewReceipt(Series{Spec: adapters.CommandSpec{Argv: argv}, Runs: runs}, tool, testHost)
		assert.ErrorIs(t, err, adapters.ErrEmptyArgv, "%q", argv)
	}

	for _, timeout := range []time.Duration{time.Nanosecond, 500 * time.Microsecond, time.Millisecond, 1500 * time.Microsecond} {
		spec := adapters.CommandSpec{Argv: []string{"x"}, Timeout: timeout}
		r, err := NewReceipt(Series{Spec: spec, Runs: runs, Warmups: runs[:1]}, tool, adapters.HostInfo{})
		require.NoError(t, err)
		require.NotNil(t, r.Bench.TimeoutMs)
		assert.Equal(t, uint64((timeout+time.Millisecond-1)/time.Millisecond), *r.Bench.TimeoutMs,
			"%v rounds up, never to 0", timeout)
		assert.NotZero(t, *r.Bench.TimeoutMs)
		var b bytes.Buffer
		_, err = r.WriteTo(&b)
		require.NoError(t, err)
		validateJSON(t, b.Bytes())
	}
}
