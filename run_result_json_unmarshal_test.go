package adapters

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRunResultJSONRoundTrip(t *testing.T) {
	sig := 2
	cases := map[string]RunResult{
		"zero": {},
		"full": fullyPopulatedRunResult(),
		"typical": {
			WallMs: 12, Wall: 12345678, ExitCode: 0,
			CPUMs: uint64Ptr(3), MaxRSSKB: uint64Ptr(2048), Stdout: []byte("ok\n"),
			StdoutTotalBytes: uint64Ptr(3), UserCPUUs: uint64Ptr(2500), SystemCPUUs: uint64Ptr(500),
		},
		"signalled": {WallMs: 1, Wall: time.Millisecond, ExitCode: -1, Signal: &sig, Stderr: []byte("ünïcödé ✓")},
	}
	for name, r := range cases {
		t.Run(name, func(t *testing.T) {
			first, err := json.Marshal(r)
			require.NoError(t, err)
			var back RunResult
			require.NoError(t, json.Unmarshal(first, &back))
			assert.Equal(t, r, back)
			second, err := json.Marshal(back)
			require.NoError(t, err)
			assert.Equal(t, string(first), string(second))
		})
	}
}

func TestRunResultJSONUnmarshalWall(t *testing.T) {
	tests := []struct {
		name     string
		data     string
		wantWall time.Duration
		wantMs   uint64
	}{
		{"wall_ns absent", `{"wall_ms":100,"exit_code":0}`, 100 * time.Millisecond, 100},
		{"wall_ns present", `{"wall_ms":100,"exit_code":0,"wall_ns":100400000}`, 100400000, 100},
		{"wall_ns zero present", `{"wall_ms":5,"exit_code":0,"wall_ns":0}`, 0, 5},
		{"both absent", `{"exit_code":0}`, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r RunResult
			require.NoError(t, json.Unmarshal([]byte(tt.data), &r))
			assert.Equal(t, tt.wantWall, r.Wall)
			assert.Equal(t, tt.wantMs, r.WallMs)
		})
	}
}

func TestRunResultJSONUnmarshalReplacesPreviousValue(t *testing.T) {
	r := fullyPopulatedRunResult()
	require.NoError(t, json.Unmarshal([]byte(`{"wall_ms":7,"exit_code":1}`), &r))
	assert.Equal(t, RunResult{WallMs: 7, ExitCode: 1, Wall: 7 * time.Millisecond}, r)
}

func TestRunResultJSONUnmarshalErrors(t *testing.T) {
	for _, data := range []string{
		`not json`,
		`{"wall_ms":-1}`,
		`{"wall_ms":"1"}`,
		`{"stdout":5}`,
		`{"wall_ns":"x"}`,
		`{"cpu_ms":1.5}`,
		`[]`,
	} {
		var r RunResult
		assert.Error(t, json.Unmarshal([]byte(data), &r), "%s", data)
	}
}
