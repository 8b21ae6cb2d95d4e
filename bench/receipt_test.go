package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/perfgate/adapters"
)

var receiptSchema = sync.OnceValues(func() (*jsonschema.Schema, error) {
	f, err := os.Open(filepath.Join("..", "testdata", "perfgate", "perfgate.run.v1.schema.json"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("perfgate.run.v1.schema.json", doc); err != nil {
		return nil, err
	}
	return c.Compile("perfgate.run.v1.schema.json")
})

// validReceipt reads the receipt at path, requires it to validate against
// perfgate's schema, and decodes it.
func validReceipt(t *testing.T, path string) Receipt {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	sch, err := receiptSchema()
	require.NoError(t, err)
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	require.NoError(t, err)
	require.NoError(t, sch.Validate(inst), "%s", data)
	var r Receipt
	require.NoError(t, json.Unmarshal(data, &r))
	return r
}

// The validator bites: a receipt missing stats, or with a negative wall
// time, does not validate.
func TestReceiptSchemaBites(t *testing.T) {
	t.Parallel()
	sch, err := receiptSchema()
	require.NoError(t, err)
	r := fakeReceipt(t)
	for _, breakIt := range []func(m map[string]any){
		func(m map[string]any) { delete(m, "stats") },
		func(m map[string]any) { m["samples"].([]any)[0].(map[string]any)["wall_ms"] = -1 },
		func(m map[string]any) { m["bench"].(map[string]any)["repeat"] = "3" },
	} {
		b, err := json.Marshal(r)
		require.NoError(t, err)
		var m map[string]any
		require.NoError(t, json.Unmarshal(b, &m))
		require.NoError(t, sch.Validate(m))
		breakIt(m)
		assert.Error(t, sch.Validate(m))
	}
}

var testHost = adapters.HostInfo{OS: "linux", Arch: "x86_64", CPUCount: ptr[uint32](2)}

// fakeReceipt is the receipt of a warm-up and three measured fake runs.
func fakeReceipt(t *testing.T) Receipt {
	t.Helper()
	runner := adapters.NewFakeProcessRunner()
	walls := []uint64{30, 12, 10, 11}
	spec := adapters.CommandSpec{Argv: []string{"./bench", "<a&b>"}, Cwd: "/src", Timeout: 1500 * time.Millisecond}
	s, err := Repeat(context.Background(), runner, spec, Options{Warmup: 1, Runs: 3,
		Before: func(_ context.Context, st Step) error {
			i := st.Index
			if !st.Warmup {
				i++
			}
			runner.SetResult(spec.Argv, adapters.RunResult{WallMs: walls[i], MaxRSSKB: ptr(walls[i] * 100)})
			return nil
		}})
	require.NoError(t, err)
	r, err := NewReceipt(s, Tool{Name: "harness", Version: "1.0.0"}, testHost)
	require.NoError(t, err)
	return r
}

func TestReceiptFromFakeRuns(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "receipt.json")
	want := fakeReceipt(t)
	require.NoError(t, want.WriteFile(path))
	r := validReceipt(t, path)

	assert.Equal(t, "perfgate.run.v1", r.Schema)
	assert.Equal(t, Tool{Name: "harness", Version: "1.0.0"}, r.Tool)
	assert.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, r.Run.ID)
	assert.Equal(t, testHost, r.Run.Host)
	assert.Equal(t, BenchMeta{Name: "./bench <a&b>", Cwd: ptr("/src"), Command: []string{"./bench", "<a&b>"},
		Repeat: 3, Warmup: 1, TimeoutMs: ptr[uint64](1500)}, r.Bench)
	require.Len(t, r.Samples, 4)
	for i, wall := range []uint64{30, 12, 10, 11} {
		assert.Equal(t, i == 0, r.Samples[i].Warmup)
		assert.Equal(t, wall, r.Samples[i].WallMs)
		assert.Equal(t, time.Duration(wall)*time.Millisecond, r.Samples[i].Wall)
	}
	// The warm-up's 30 ms is not in the stats; the mean of 12, 10, 11 is 11.
	assert.Equal(t, Summary[uint64]{Median: 11, Min: 10, Max: 12, Mean: ptr(11.0), StdDev: ptr(1.0)}, r.Stats.WallMs)
	assert.Equal(t, uint64(1100), r.Stats.MaxRSSKB.Median)
	assert.Nil(t, r.Stats.CPUMs)

	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Contains(t, string(data), `"<a&b>"`, "not escaped for HTML")
	assert.True(t, strings.HasSuffix(string(data), "}\n"))
	assert.Contains(t, string(data), "{\n      \"warmup\": true,\n      \"wall_ms\": 30,")
	for _, at := range []string{r.Run.StartedAt, r.Run.EndedAt} {
		ts, err := time.Parse(time.RFC3339Nano, at)
		require.NoError(t, err)
		assert.Equal(t, time.UTC, ts.Location())
	}
	info, err := os.Stat(path)
	require.NoError(t, err)
	if os.PathSeparator == '/' {
		assert.Equal(t, os.FileMode(0o644), info.Mode().Perm())
	}
}

func TestReceiptErrors(t *testing.T) {
	t.Parallel()
	_, err := NewReceipt(Series{Warmups: []adapters.RunResult{{WallMs: 1}}}, Tool{}, testHost)
	assert.EqualError(t, err, "bench: no measured run to make a receipt of")

	r := fakeReceipt(t)
	dir := t.TempDir()
	err = r.WriteFile(filepath.Join(dir, "missing", "r.json"))
	require.Error(t, err)
	assert.ErrorIs(t, err, os.ErrNotExist)
	require.NoError(t, r.WriteFile(filepath.Join(dir, "r.json")))
	require.NoError(t, r.WriteFile(filepath.Join(dir, "r.json")), "replaces a receipt")
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, entries, 1, "no temporary file left behind")
	assert.Equal(t, "r.json", entries[0].Name())
}

func TestSampleJSON(t *testing.T) {
	t.Parallel()
	s := Sample{Warmup: true, RunResult: adapters.RunResult{WallMs: 4, Wall: 4_200_000, ExitCode: 2, Stdout: []byte("hi")}}
	b, err := json.Marshal(s)
	require.NoError(t, err)
	assert.Equal(t, `{"warmup":true,"wall_ms":4,"exit_code":2,"stdout":"hi","wall_ns":4200000}`, string(b))
	var back Sample
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, s, back)

	// perfgate's own sample: no wall_ns, no warmup.
	require.NoError(t, json.Unmarshal([]byte(`{"wall_ms":96,"exit_code":0}`), &back))
	assert.Equal(t, Sample{RunResult: adapters.RunResult{WallMs: 96, Wall: 96 * time.Millisecond}}, back)
}
