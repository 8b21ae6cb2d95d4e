package adapters

import (
	"bytes"
	"encoding/json"
	"math"
	"slices"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// documentedRunResultKeys is every JSON key RunResult documents: perfgate's
// Sample keys first, then this package's own.
var documentedRunResultKeys = []string{
	"wall_ms", "exit_code", "timed_out", "cpu_ms", "page_faults",
	"ctx_switches", "max_rss_kb", "max_rss_at_most_kb", "io_read_bytes", "io_write_bytes",
	"network_packets", "energy_uj", "binary_bytes", "stdout", "stderr",
	"wall_ns", "user_cpu_us", "system_cpu_us", "minor_page_faults",
	"voluntary_ctx_switches", "involuntary_ctx_switches", "signal",
	"stdout_total_bytes", "stderr_total_bytes", "stdout_truncated",
	"stderr_truncated", "sources", "notes",
}

// decodeJSONObject decodes a JSON object keeping numbers as json.Number.
func decodeJSONObject(t *testing.T, data []byte) map[string]any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var m map[string]any
	require.NoError(t, dec.Decode(&m), "%s", data)
	return m
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func TestRunResultJSONFull(t *testing.T) {
	data, err := json.Marshal(fullyPopulatedRunResult())
	require.NoError(t, err)
	const want = `{"wall_ms":1234,"exit_code":-1,"timed_out":true,"cpu_ms":1000,` +
		`"page_faults":2,"ctx_switches":30,"max_rss_kb":4096,"max_rss_at_most_kb":4097,"io_read_bytes":8192,` +
		`"io_write_bytes":16384,"network_packets":7,"energy_uj":123456,` +
		`"binary_bytes":654321,"user_cpu_us":600000,"system_cpu_us":400000,` +
		`"minor_page_faults":55,"voluntary_ctx_switches":20,"involuntary_ctx_switches":10,` +
		`"signal":9,"stdout_total_bytes":100,"stderr_total_bytes":200,` +
		`"stdout_truncated":true,"stderr_truncated":true,` +
		`"sources":{"cpu_ms":{"scope":"tree","source":"cgroup.cpu.stat"},` +
		`"max_rss_kb":{"scope":"process","source":"wait4","note":"cgroup: no memory.peak"}},` +
		`"notes":{"max_rss_kb":"process figure, not the tree's: cgroup: no memory.peak"},` +
		`"stdout":"out","stderr":"err",` +
		`"wall_ns":1234567890}`
	assert.JSONEq(t, want, string(data))
	assert.Equal(t, want, string(data), "key order or spacing changed")

	// Exactly the documented keys, each once.
	keys := sortedKeys(decodeJSONObject(t, data))
	wantKeys := slices.Clone(documentedRunResultKeys)
	slices.Sort(wantKeys)
	assert.Equal(t, wantKeys, keys)
	// Sources repeats figure keys inside its own object; each key is once
	// at the top level.
	top := topLevelKeys(t, data)
	for _, key := range documentedRunResultKeys {
		assert.Equal(t, 1, top[key], "key %s", key)
	}
}

// topLevelKeys counts the keys of the JSON object data at its top level.
func topLevelKeys(t *testing.T, data []byte) map[string]int {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	counts := map[string]int{}
	depth := 0
	expectKey := false
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		switch v := tok.(type) {
		case json.Delim:
			switch v {
			case '{', '[':
				depth++
				expectKey = v == '{' && depth == 1
				continue
			default:
				depth--
			}
		case string:
			if depth == 1 && expectKey {
				counts[v]++
				expectKey = false
				continue
			}
		}
		if depth == 1 {
			expectKey = true // a value at the top level ended
		}
	}
	return counts
}

func TestRunResultJSONValueReceiverAndPointer(t *testing.T) {
	r := fullyPopulatedRunResult()
	byValue, err := json.Marshal(r)
	require.NoError(t, err)
	byPointer, err := json.Marshal(&r)
	require.NoError(t, err)
	inSlice, err := json.Marshal([]RunResult{r})
	require.NoError(t, err)
	assert.Equal(t, string(byValue), string(byPointer))
	assert.Equal(t, "["+string(byValue)+"]", string(inSlice))
}

func TestRunResultJSONNilPointersOmitted(t *testing.T) {
	data, err := json.Marshal(RunResult{})
	require.NoError(t, err)
	assert.Equal(t, `{"wall_ms":0,"exit_code":0,"wall_ns":0}`, string(data))
}

func TestRunResultJSONMeasuredZeroWritten(t *testing.T) {
	zero := uint64(0)
	sig := 0
	r := RunResult{
		CPUMs: &zero, PageFaults: &zero, CtxSwitches: &zero, MaxRSSKB: &zero,
		IOReadBytes: &zero, IOWriteBytes: &zero, NetworkPackets: &zero,
		EnergyUJ: &zero, BinaryBytes: &zero, UserCPUUs: &zero, SystemCPUUs: &zero,
		MinorPageFaults: &zero, VoluntaryCtxSwitches: &zero,
		InvoluntaryCtxSwitches: &zero, Signal: &sig,
		StdoutTotalBytes: &zero, StderrTotalBytes: &zero,
	}
	data, err := json.Marshal(r)
	require.NoError(t, err)
	const want = `{"wall_ms":0,"exit_code":0,"cpu_ms":0,"page_faults":0,"ctx_switches":0,` +
		`"max_rss_kb":0,"io_read_bytes":0,"io_write_bytes":0,"network_packets":0,` +
		`"energy_uj":0,"binary_bytes":0,"user_cpu_us":0,"system_cpu_us":0,` +
		`"minor_page_faults":0,"voluntary_ctx_switches":0,"involuntary_ctx_switches":0,` +
		`"signal":0,"stdout_total_bytes":0,"stderr_total_bytes":0,"wall_ns":0}`
	assert.Equal(t, want, string(data))

	// And a measured zero comes back as a non-nil zero.
	var back RunResult
	require.NoError(t, json.Unmarshal(data, &back))
	assert.Equal(t, r, back)
	require.NotNil(t, back.CPUMs)
	assert.Equal(t, uint64(0), *back.CPUMs)
	require.NotNil(t, back.Signal)
	assert.Equal(t, 0, *back.Signal)
}

func TestRunResultJSONEachPointerFieldAlone(t *testing.T) {
	seven := uint64(7)
	sig := 15
	cases := map[string]RunResult{
		"cpu_ms":                   {CPUMs: &seven},
		"page_faults":              {PageFaults: &seven},
		"ctx_switches":             {CtxSwitches: &seven},
		"max_rss_kb":               {MaxRSSKB: &seven},
		"max_rss_at_most_kb":       {MaxRSSAtMostKB: &seven},
		"io_read_bytes":            {IOReadBytes: &seven},
		"io_write_bytes":           {IOWriteBytes: &seven},
		"network_packets":          {NetworkPackets: &seven},
		"energy_uj":                {EnergyUJ: &seven},
		"binary_bytes":             {BinaryBytes: &seven},
		"user_cpu_us":              {UserCPUUs: &seven},
		"system_cpu_us":            {SystemCPUUs: &seven},
		"minor_page_faults":        {MinorPageFaults: &seven},
		"voluntary_ctx_switches":   {VoluntaryCtxSwitches: &seven},
		"involuntary_ctx_switches": {InvoluntaryCtxSwitches: &seven},
		"signal":                   {Signal: &sig},
	}
	for key, r := range cases {
		t.Run(key, func(t *testing.T) {
			data, err := json.Marshal(r)
			require.NoError(t, err)
			m := decodeJSONObject(t, data)
			want := []string{"exit_code", key, "wall_ms", "wall_ns"}
			slices.Sort(want)
			assert.Equal(t, want, sortedKeys(m))
			wantValue := "7"
			if key == "signal" {
				wantValue = "15"
			}
			assert.Equal(t, json.Number(wantValue), m[key])

			var back RunResult
			require.NoError(t, json.Unmarshal(data, &back))
			assert.Equal(t, r, back)
		})
	}
}

func TestRunResultJSONScalarFields(t *testing.T) {
	tests := []struct {
		name string
		r    RunResult
		want string
	}{
		{"timed_out", RunResult{TimedOut: true}, `{"wall_ms":0,"exit_code":0,"timed_out":true,"wall_ns":0}`},
		{"stdout_truncated", RunResult{StdoutTruncated: true, StdoutTotalBytes: uint64Ptr(9)}, `{"wall_ms":0,"exit_code":0,"stdout_total_bytes":9,"stdout_truncated":true,"wall_ns":0}`},
		{"stderr_truncated", RunResult{StderrTruncated: true, StderrTotalBytes: uint64Ptr(9)}, `{"wall_ms":0,"exit_code":0,"stderr_total_bytes":9,"stderr_truncated":true,"wall_ns":0}`},
		{"exit_code", RunResult{ExitCode: 255}, `{"wall_ms":0,"exit_code":255,"wall_ns":0}`},
		{"wall", RunResult{WallMs: 2, Wall: 2500 * time.Microsecond}, `{"wall_ms":2,"exit_code":0,"wall_ns":2500000}`},
		{"max uint64", RunResult{WallMs: math.MaxUint64}, `{"wall_ms":18446744073709551615,"exit_code":0,"wall_ns":0}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, err := json.Marshal(tt.r)
			require.NoError(t, err)
			assert.Equal(t, tt.want, string(data))
			var back RunResult
			require.NoError(t, json.Unmarshal(data, &back))
			assert.Equal(t, tt.r, back)
		})
	}
}

func TestRunResultJSONOutputAsText(t *testing.T) {
	r := RunResult{Stdout: []byte("hello\nworld"), Stderr: []byte(`warn: "x" <&> é`)}
	data, err := json.Marshal(r)
	require.NoError(t, err)
	m := decodeJSONObject(t, data)
	assert.Equal(t, "hello\nworld", m["stdout"])
	assert.Equal(t, `warn: "x" <&> é`, m["stderr"])
	// Not base64 ("aGVsbG8=" would be the []byte default).
	assert.Contains(t, string(data), `"stdout":"hello\nworld"`)
	assert.NotContains(t, string(data), "aGVsbG8")
}

func TestRunResultJSONInvalidUTF8(t *testing.T) {
	r := RunResult{Stdout: []byte("a\xffb"), Stderr: []byte("\xc3(\xfe\xff")}
	data, err := json.Marshal(r)
	require.NoError(t, err)
	assert.True(t, utf8.Valid(data))

	m := decodeJSONObject(t, data)
	assert.Equal(t, "a\uFFFDb", m["stdout"])
	assert.Equal(t, "\uFFFD(\uFFFD\uFFFD", m["stderr"])

	var back RunResult
	require.NoError(t, json.Unmarshal(data, &back))
	assert.Equal(t, []byte("a\uFFFDb"), back.Stdout)
	assert.Equal(t, []byte("\uFFFD(\uFFFD\uFFFD"), back.Stderr)
}

// TestRunResultJSONTruncatedUTF8Sequence pins how a multi-byte sequence cut
// short (as the output cap can cut one) is written: one U+FFFD for the
// maximal invalid subpart, as Rust's String::from_utf8_lossy (used by
// perfgate) writes it, not one per byte as encoding/json alone would.
func TestRunResultJSONTruncatedUTF8Sequence(t *testing.T) {
	r := RunResult{Stdout: []byte("ok \xe2\x82")} // "€" is e2 82 ac
	data, err := json.Marshal(r)
	require.NoError(t, err)
	assert.Equal(t, "ok \uFFFD", decodeJSONObject(t, data)["stdout"])
}

func TestRunResultJSONEmptyOutputOmitted(t *testing.T) {
	for name, r := range map[string]RunResult{
		"nil":   {},
		"empty": {Stdout: []byte{}, Stderr: []byte{}},
	} {
		t.Run(name, func(t *testing.T) {
			data, err := json.Marshal(r)
			require.NoError(t, err)
			m := decodeJSONObject(t, data)
			assert.NotContains(t, m, "stdout")
			assert.NotContains(t, m, "stderr")
		})
	}

	// Reading an empty or null string gives nil.
	var back RunResult
	require.NoError(t, json.Unmarshal([]byte(`{"wall_ms":1,"exit_code":0,"stdout":"","stderr":null}`), &back))
	assert.Nil(t, back.Stdout)
	assert.Nil(t, back.Stderr)
}
