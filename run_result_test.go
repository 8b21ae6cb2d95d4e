package adapters

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
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

func readPerfgateTestdata(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "perfgate", name))
	require.NoError(t, err)
	return data
}

func TestRunResultJSONPerfgateExampleSamples(t *testing.T) {
	var receipt struct {
		Schema  string      `json:"schema"`
		Samples []RunResult `json:"samples"`
	}
	require.NoError(t, json.Unmarshal(readPerfgateTestdata(t, "perfgate.run.v1.example.json"), &receipt))
	assert.Equal(t, "perfgate.run.v1", receipt.Schema)
	want := []RunResult{
		{WallMs: 96, Wall: 96 * time.Millisecond},
		{WallMs: 100, Wall: 100 * time.Millisecond},
		{WallMs: 104, Wall: 104 * time.Millisecond},
	}
	assert.Equal(t, want, receipt.Samples)

	// Each sample on its own too, and perfgate's "warmup" key is ignored.
	var raw struct {
		Samples []json.RawMessage `json:"samples"`
	}
	require.NoError(t, json.Unmarshal(readPerfgateTestdata(t, "perfgate.run.v1.example.json"), &raw))
	require.Len(t, raw.Samples, 3)
	for i, sample := range raw.Samples {
		var r RunResult
		require.NoError(t, json.Unmarshal(sample, &r))
		assert.Equal(t, want[i], r)
		assert.True(t, r.Succeeded())
	}
	assert.Contains(t, string(raw.Samples[0]), `"warmup"`)
}

// jsonTypeOf names the JSON Schema type of a value decoded with UseNumber.
func jsonTypeOf(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case json.Number:
		if _, err := strconv.ParseInt(string(v), 10, 64); err == nil {
			return "integer"
		}
		if _, err := strconv.ParseUint(string(v), 10, 64); err == nil {
			return "integer"
		}
		return "number"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "unknown"
}

// schemaTypes returns the type or types a schema property allows.
func schemaTypes(t *testing.T, prop map[string]any) []string {
	t.Helper()
	switch ty := prop["type"].(type) {
	case string:
		return []string{ty}
	case []any:
		var types []string
		for _, x := range ty {
			types = append(types, x.(string))
		}
		return types
	}
	t.Fatalf("property without a type: %v", prop)
	return nil
}

// checkAgainstSampleSchema checks the properties of obj that the schema's
// Sample lists: their JSON type, the minimum and the integer format.
func checkAgainstSampleSchema(t *testing.T, sample map[string]any, obj map[string]any) {
	t.Helper()
	props := sample["properties"].(map[string]any)
	for _, req := range sample["required"].([]any) {
		assert.Contains(t, obj, req.(string), "required key missing")
	}
	for key, value := range obj {
		p, listed := props[key]
		if !listed {
			continue // this package's own key; perfgate ignores it
		}
		prop := p.(map[string]any)
		got := jsonTypeOf(value)
		assert.Contains(t, schemaTypes(t, prop), got, "key %s has JSON type %s", key, got)
		if got != "integer" {
			continue
		}
		n := string(value.(json.Number))
		if minimum, ok := prop["minimum"]; ok {
			assert.Equal(t, json.Number("0"), minimum, "key %s", key)
			assert.False(t, strings.HasPrefix(n, "-"), "key %s = %s is below the minimum 0", key, n)
		}
		switch prop["format"] {
		case "uint64":
			_, err := strconv.ParseUint(n, 10, 64)
			assert.NoError(t, err, "key %s = %s is not a uint64", key, n)
		case "uint32":
			_, err := strconv.ParseUint(n, 10, 32)
			assert.NoError(t, err, "key %s = %s is not a uint32", key, n)
		case "int32":
			_, err := strconv.ParseInt(n, 10, 32)
			assert.NoError(t, err, "key %s = %s is not an int32", key, n)
		default:
			t.Errorf("key %s: unexpected integer format %v", key, prop["format"])
		}
	}
}

func TestRunResultJSONConformsToPerfgateSampleSchema(t *testing.T) {
	schema := decodeJSONObject(t, readPerfgateTestdata(t, "perfgate.run.v1.schema.json"))
	sample := schema["$defs"].(map[string]any)["Sample"].(map[string]any)
	require.Equal(t, "object", sample["type"])
	props := sample["properties"].(map[string]any)

	full := fullyPopulatedRunResult()
	full.Stdout = []byte("a\xffb") // lossy text is still a string
	data, err := json.Marshal(full)
	require.NoError(t, err)
	obj := decodeJSONObject(t, data)
	checkAgainstSampleSchema(t, sample, obj)

	// The check above is not vacuous: every Sample key but perfgate's own
	// "warmup" is in our output.
	var missing []string
	for key := range props {
		if _, ok := obj[key]; !ok {
			missing = append(missing, key)
		}
	}
	assert.Equal(t, []string{"warmup"}, missing)

	// The types the schema gives the keys we write, pinned so that a
	// schema update that changes one is noticed.
	wantTypes := map[string][]string{
		"wall_ms": {"integer"}, "exit_code": {"integer"}, "timed_out": {"boolean"},
		"stdout": {"string", "null"}, "stderr": {"string", "null"},
	}
	for _, key := range []string{"cpu_ms", "page_faults", "ctx_switches", "max_rss_kb",
		"io_read_bytes", "io_write_bytes", "network_packets", "energy_uj", "binary_bytes"} {
		wantTypes[key] = []string{"integer", "null"}
	}
	for key, want := range wantTypes {
		assert.Equal(t, want, schemaTypes(t, props[key].(map[string]any)), "schema type of %s", key)
	}
	assert.ElementsMatch(t, []any{"wall_ms", "exit_code"}, sample["required"])

	// Minimal and all-zero results conform too.
	zero := uint64(0)
	for _, r := range []RunResult{{}, {CPUMs: &zero, MaxRSSKB: &zero, ExitCode: math.MaxInt32}} {
		data, err := json.Marshal(r)
		require.NoError(t, err)
		checkAgainstSampleSchema(t, sample, decodeJSONObject(t, data))
	}
}

func TestRunResultSucceeded(t *testing.T) {
	sig := 9
	zeroSig := 0
	tests := []struct {
		name string
		r    RunResult
		want bool
	}{
		{"zero", RunResult{}, true},
		{"with output and figures", RunResult{WallMs: 5, Stdout: []byte("x"), CPUMs: uint64Ptr(1)}, true},
		{"exit 1", RunResult{ExitCode: 1}, false},
		{"exit -1", RunResult{ExitCode: -1}, false},
		{"timed out", RunResult{TimedOut: true}, false},
		{"signalled", RunResult{ExitCode: -1, Signal: &sig}, false},
		{"signal with exit 0", RunResult{Signal: &zeroSig}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.r.Succeeded())
		})
	}
}

func TestRunResultErr(t *testing.T) {
	sig := 9
	argv := []string{"prog", "arg 1"}
	tests := []struct {
		name    string
		r       RunResult
		argv    []string
		kind    ErrorKind
		reason  string
		message string
	}{
		{
			name: "exit status", r: RunResult{ExitCode: 3}, argv: argv,
			kind: KindNonZeroExit, reason: "exit status 3",
			message: "command exited unsuccessfully: [prog arg 1]: exit status 3",
		},
		{
			name: "negative exit status", r: RunResult{ExitCode: -2}, argv: argv,
			kind: KindNonZeroExit, reason: "exit status -2",
			message: "command exited unsuccessfully: [prog arg 1]: exit status -2",
		},
		{
			name: "timed out", r: RunResult{TimedOut: true, Wall: 1234567890}, argv: argv,
			kind: KindTimeout, reason: "killed after 1.235s",
			message: "command timed out: [prog arg 1]: killed after 1.235s",
		},
		{
			name: "timeout wins over signal and exit code", r: RunResult{TimedOut: true, ExitCode: -1, Signal: &sig, Wall: 50 * time.Millisecond}, argv: argv,
			kind: KindTimeout, reason: "killed after 50ms",
			message: "command timed out: [prog arg 1]: killed after 50ms",
		},
		{
			name: "signal", r: RunResult{ExitCode: -1, Signal: &sig}, argv: argv,
			kind: KindNonZeroExit, reason: "terminated by " + signalName(9),
			message: "command exited unsuccessfully: [prog arg 1]: terminated by " + signalName(9),
		},
		{
			name: "no argv", r: RunResult{ExitCode: 1}, argv: nil,
			kind: KindNonZeroExit, reason: "exit status 1",
			message: "command exited unsuccessfully: exit status 1",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.r.returned(tt.argv, nil).Err()
			require.Error(t, err)
			assert.Equal(t, tt.message, err.Error())
			var ae *AdapterError
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, tt.kind, ae.Kind)
			assert.Equal(t, strings.Join(tt.argv, " "), ae.Command)
			assert.Equal(t, tt.reason, ae.Reason)
			assert.Nil(t, ae.Err)
			assert.ErrorIs(t, err, tt.kind.Sentinel())
			for _, other := range []error{ErrRunCommand, ErrEmptyArgv, ErrInvalidSpec, ErrTimeout, ErrNonZeroExit, ErrKilled, ErrStdinRead} {
				if other != tt.kind.Sentinel() {
					assert.False(t, errors.Is(err, other), "also matches %v", other)
				}
			}
		})
	}

	var ok RunResult
	assert.NoError(t, ok.returned(argv, nil).Err())
	withFigures := RunResult{WallMs: 1, Stdout: []byte("x"), StdoutTruncated: true}
	assert.NoError(t, withFigures.returned(argv, nil).Err())
}

func TestRunResultErrSignalNameOnLinux(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("signal names differ by platform")
	}
	sig := 9
	r := RunResult{ExitCode: -1, Signal: &sig}
	assert.EqualError(t, r.returned([]string{"sleep", "10"}, nil).Err(),
		"command exited unsuccessfully: [sleep 10]: terminated by signal 9 (killed)")
}
