package bench

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/perfgate/adapters"
)

// maximalReceipt sets every key perfgate.run.v1 defines, with values at
// their edges.
const maximalReceipt = `{
  "schema": "perfgate.run.v1",
  "tool": {"name": "perfgate", "version": "0.15.1"},
  "run": {"id": "r", "started_at": "2026-01-01T00:00:00Z", "ended_at": "2026-01-01T00:00:01Z",
    "host": {"os": "linux", "arch": "aarch64", "cpu_count": 4294967295, "memory_bytes": 18446744073709551615,
      "hostname_hash": "ab"}},
  "bench": {"name": "b", "cwd": "/src", "command": ["x", "<&>"], "repeat": 2, "warmup": 1,
    "work_units": 18446744073709551615, "timeout_ms": 0},
  "samples": [
    {"wall_ms": 18446744073709551615, "exit_code": -2147483648, "warmup": true, "timed_out": true,
      "cpu_ms": 1, "page_faults": 2, "ctx_switches": 3, "max_rss_kb": 4, "io_read_bytes": 5,
      "io_write_bytes": 6, "network_packets": 7, "energy_uj": 8, "binary_bytes": 9,
      "stdout": "out \u00e9", "stderr": "err"},
    {"wall_ms": 0, "exit_code": 2147483647, "cpu_ms": 0},
    {"wall_ms": 1, "exit_code": 0, "warmup": false, "timed_out": false, "stdout": null}
  ],
  "stats": {
    "wall_ms": {"median": 0, "min": 0, "max": 18446744073709551615, "mean": 1.5e19, "stddev": 0.1},
    "cpu_ms": {"median": 1, "min": 1, "max": 1},
    "page_faults": {"median": 2, "min": 2, "max": 2, "mean": null, "stddev": null},
    "ctx_switches": {"median": 3, "min": 3, "max": 3, "mean": 3.0},
    "max_rss_kb": {"median": 4, "min": 4, "max": 4},
    "io_read_bytes": {"median": 5, "min": 5, "max": 5},
    "io_write_bytes": {"median": 6, "min": 6, "max": 6},
    "network_packets": {"median": 7, "min": 7, "max": 7},
    "energy_uj": {"median": 8, "min": 8, "max": 8},
    "binary_bytes": {"median": 9, "min": 9, "max": 9},
    "throughput_per_s": {"median": 1.7976931348623157e308, "min": 5e-324, "max": 1e300,
      "mean": 0.30000000000000004, "stddev": 0}
  }
}`

// withoutNulls drops the keys whose value is null, an empty stdout or
// stderr, and a timed_out of false: perfgate reads each as absent (it
// writes None for empty output; the schema's default for timed_out is
// false), as this module does.
func withoutNulls(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range v {
			if e == nil || ((k == "stdout" || k == "stderr") && e == "") || (k == "timed_out" && e == false) {
				continue
			}
			out[k] = withoutNulls(e)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = withoutNulls(e)
		}
		return out
	}
	return v
}

// covers requires every key and value of want (numbers exactly) to be in
// got; got may hold more (this module's own keys, such as wall_ns).
func covers(t *testing.T, where string, want, got any) {
	t.Helper()
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		require.True(t, ok, "%s: %v is not an object", where, got)
		for k, e := range w {
			require.Contains(t, g, k, "%s: key lost", where)
			covers(t, where+"."+k, e, g[k])
		}
	case []any:
		g, ok := got.([]any)
		require.True(t, ok, "%s: not an array", where)
		require.Len(t, g, len(w), where)
		for i := range w {
			covers(t, where+"["+itoa(i)+"]", w[i], g[i])
		}
	case json.Number:
		g, ok := got.(json.Number)
		require.True(t, ok, "%s: %v is not a number", where, got)
		if w.String() != g.String() { // 3.0 and 3, 0.1 and 0.1: compare as values
			wf, _ := w.Float64()
			gf, _ := g.Float64()
			wi, werr := w.Int64()
			gi, gerr := g.Int64()
			if werr == nil && gerr == nil {
				assert.Equal(t, wi, gi, where)
			} else if _, uerr := parseUint(w.String()); uerr == nil {
				assert.Equal(t, w.String(), g.String(), where)
			} else {
				assert.Equal(t, math.Float64bits(wf), math.Float64bits(gf), "%s: %s became %s", where, w, g)
			}
		}
	default:
		assert.Equal(t, want, got, where)
	}
}

func parseUint(s string) (uint64, error) { return strconv.ParseUint(s, 10, 64) }

func decodeNumbers(t *testing.T, data []byte) any {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var v any
	require.NoError(t, d.Decode(&v))
	return v
}

// A decode and encode of any schema-valid receipt loses nothing the
// schema defines.
func TestReceiptRoundTripLosesNothing(t *testing.T) {
	t.Parallel()
	example, err := os.ReadFile(filepath.Join("..", "testdata", "perfgate", "perfgate.run.v1.example.json"))
	require.NoError(t, err)
	for name, data := range map[string][]byte{"example": example, "maximal": []byte(maximalReceipt)} {
		t.Run(name, func(t *testing.T) {
			validateJSON(t, data)
			var r Receipt
			require.NoError(t, json.Unmarshal(data, &r))
			var out bytes.Buffer
			_, err := r.WriteTo(&out)
			require.NoError(t, err)
			validateJSON(t, out.Bytes())
			covers(t, "receipt", withoutNulls(decodeNumbers(t, data)), decodeNumbers(t, out.Bytes()))
		})
	}
}

// NewReceipt writes work_units and throughput_per_s as perfgate does: per
// run, work / (wall_ms / 1000), and 0 for a run of 0 ms.
func TestReceiptThroughput(t *testing.T) {
	t.Parallel()
	runs := []adapters.RunResult{{WallMs: 100}, {WallMs: 200}, {WallMs: 0}, {WallMs: 400}}
	s := Series{Spec: adapters.CommandSpec{Argv: []string{"x"}}, Runs: runs, WorkUnits: 50}
	r, err := NewReceipt(s, Tool{Name: "t", Version: "0"}, testHost)
	require.NoError(t, err)
	require.NotNil(t, r.Bench.WorkUnits)
	assert.Equal(t, uint64(50), *r.Bench.WorkUnits)
	require.NotNil(t, r.Stats.ThroughputPerS)
	tp := *r.Stats.ThroughputPerS
	// 500, 250, 0, 125 per second.
	assert.Equal(t, 187.5, tp.Median)
	assert.Equal(t, 0.0, tp.Min)
	assert.Equal(t, 500.0, tp.Max)
	assert.InDelta(t, 218.75, *tp.Mean, 1e-9)
	var b bytes.Buffer
	_, err = r.WriteTo(&b)
	require.NoError(t, err)
	validateJSON(t, b.Bytes())
	assert.Contains(t, b.String(), `"work_units": 50`)
	assert.Contains(t, b.String(), `"throughput_per_s": {`)

	// Without work units, neither is written.
	s.WorkUnits = 0
	r, err = NewReceipt(s, Tool{Name: "t", Version: "0"}, testHost)
	require.NoError(t, err)
	assert.Nil(t, r.Bench.WorkUnits)
	assert.Nil(t, r.Stats.ThroughputPerS)
}
