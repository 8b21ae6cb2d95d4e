package adapters

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

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
