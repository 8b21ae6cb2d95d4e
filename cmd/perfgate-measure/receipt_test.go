package main

import (
	"bytes"
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
	"github.com/perfgate/adapters/bench"
)

// schemaPath is perfgate's JSON Schema for receipts, kept in the module's
// testdata.
var schemaPath = filepath.Join("..", "..", "testdata", "perfgate", "perfgate.run.v1.schema.json")

var receiptSchemaOnce = sync.OnceValues(func() (*jsonschema.Schema, error) {
	f, err := os.Open(schemaPath)
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

// validateReceipt validates data against perfgate's schema.
func validateReceipt(t *testing.T, data []byte) error {
	t.Helper()
	sch, err := receiptSchemaOnce()
	require.NoError(t, err)
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	require.NoError(t, err)
	return sch.Validate(inst)
}

// The validator bites: perfgate's own example passes, and a receipt that
// lacks what the schema requires, or has a wrong type, does not.
func TestReceiptSchemaValidator(t *testing.T) {
	t.Parallel()
	example, err := os.ReadFile(filepath.Join("..", "..", "testdata", "perfgate", "perfgate.run.v1.example.json"))
	require.NoError(t, err)
	require.NoError(t, validateReceipt(t, example))
	for _, bad := range []struct{ old, new string }{
		{`"stats": {`, `"statz": {`},
		{`"wall_ms": 96,`, `"wall_ms": -96,`},
		{`"warmup": true`, `"warmup": "yes"`},
		{`"name": "compat-bench",`, ``},
	} {
		broken := strings.Replace(string(example), bad.old, bad.new, 1)
		require.NotEqual(t, string(example), broken)
		assert.Error(t, validateReceipt(t, []byte(broken)), "%s -> %s", bad.old, bad.new)
	}
}

// readReceipt validates the receipt at path and decodes it.
func readReceipt(t *testing.T, path string) (receiptRead, []byte) {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NoError(t, validateReceipt(t, data), "%s", data)
	var r receiptRead
	require.NoError(t, json.Unmarshal(data, &r))
	return r, data
}

// receiptRead decodes a receipt the way perfgate reads one.
type receiptRead struct {
	Schema string
	Tool   bench.Tool
	Run    struct {
		ID        string
		StartedAt string `json:"started_at"`
		EndedAt   string `json:"ended_at"`
		Host      adapters.HostInfo
	}
	Bench struct {
		Name           string
		Cwd            *string
		Command        []string
		Repeat, Warmup int
		TimeoutMs      *uint64 `json:"timeout_ms"`
	}
	Samples []struct {
		Warmup bool
		adapters.RunResult
	}
	Stats map[string]bench.Summary[uint64]
}

func TestReceipt(t *testing.T) {
	t.Parallel()
	requireRunner(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "current.json")
	flags := []string{"-repeat", "3", "-warmup", "1", "-name", "alloc-bench", "-timeout", "1m",
		"-cwd", dir, "-hostname-hash", "-receipt", path}
	args := helperArgs(t, "alloc", flags, "64")
	out := measure(t, args...)
	require.Equal(t, exitOK, out.code, out.stderr)
	r, _ := readReceipt(t, path)

	assert.Equal(t, "perfgate.run.v1", r.Schema)
	assert.Equal(t, bench.Tool{Name: "perfgate-measure", Version: "devel"}, r.Tool)
	assert.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, r.Run.ID)
	started, err := time.Parse(time.RFC3339Nano, r.Run.StartedAt)
	require.NoError(t, err)
	ended, err := time.Parse(time.RFC3339Nano, r.Run.EndedAt)
	require.NoError(t, err)
	assert.True(t, strings.HasSuffix(r.Run.StartedAt, "Z"), "UTC")
	assert.False(t, ended.Before(started))
	assert.Equal(t, adapters.StdHostProbe{}.Probe(adapters.HostProbeOptions{IncludeHostnameHash: true}).HostnameHash,
		r.Run.Host.HostnameHash)

	assert.Equal(t, "alloc-bench", r.Bench.Name)
	assert.Equal(t, args[len(args)-2:], r.Bench.Command)
	assert.Equal(t, 3, r.Bench.Repeat)
	assert.Equal(t, 1, r.Bench.Warmup)
	require.NotNil(t, r.Bench.Cwd)
	assert.Equal(t, dir, *r.Bench.Cwd)
	require.NotNil(t, r.Bench.TimeoutMs)
	assert.Equal(t, uint64(60000), *r.Bench.TimeoutMs)

	require.Len(t, r.Samples, 4)
	var measured []adapters.RunResult
	for i, s := range r.Samples {
		assert.Equal(t, i == 0, s.Warmup, "the warm-up sample comes first, flagged")
		assert.Equal(t, 0, s.ExitCode)
		if !underWine() {
			require.NotNil(t, s.MaxRSSKB, "64 MiB is above the test process's own peak")
			assert.Greater(t, *s.MaxRSSKB, uint64(64<<10))
		}
		if !s.Warmup {
			measured = append(measured, s.RunResult)
		}
	}
	assertReceiptStats(t, r.Stats, measured)
}

// With -shell and several commands, each gets a receipt of its own, so
// that perfgate compare can take one as the baseline and one as current.
func TestReceiptPerCommand(t *testing.T) {
	t.Parallel()
	requireRunner(t)
	dir := t.TempDir()
	exit0, echo := helperCommand(t, "exit", "0"), helperCommand(t, "echo")
	out := measure(t, append(doHelpers, "-shell", "-repeat", "2", "-receipt", filepath.Join(dir, "r.json"), exit0, echo)...)
	require.Equal(t, exitOK, out.code, out.stderr)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	assert.Equal(t, []string{"r-1.json", "r-2.json"}, names)
	for i, command := range []string{exit0, echo} {
		r, _ := readReceipt(t, filepath.Join(dir, names[i]))
		assert.Equal(t, command, r.Bench.Name)
		assert.Equal(t, shellArgv(command), r.Bench.Command)
		assert.Nil(t, r.Bench.Cwd)
		assert.Nil(t, r.Bench.TimeoutMs)
		assert.Len(t, r.Samples, 2)
		assert.Nil(t, r.Run.Host.HostnameHash, "the hash only when asked for")
	}
	assert.Equal(t, "a/b-2.json", receiptPath("a/b.json", 2, 3))
	assert.Equal(t, "a/b-2", receiptPath("a/b", 2, 3))
	assert.Equal(t, "a/b.json", receiptPath("a/b.json", 1, 1))
}

// No receipt after a failed run: perfgate must not take a partial
// measurement for a whole one.
func TestNoReceiptAfterFailure(t *testing.T) {
	t.Parallel()
	requireRunner(t)
	path := filepath.Join(t.TempDir(), "r.json")
	out := measure(t, append(doHelpers, "-shell", "-repeat", "2", "-receipt", path, "-export-json", path+".export",
		helperCommand(t, "exit", "0"), helperCommand(t, "exit", "1"))...)
	assert.Equal(t, exitFailed, out.code)
	assert.NoFileExists(t, path)
	assert.NoFileExists(t, receiptPath(path, 1, 2))
	assert.NoFileExists(t, path+".export")

	missing := filepath.Join(t.TempDir(), "missing")
	out = measure(t, "-receipt", filepath.Join(missing, "r.json"), "--", "true")
	assert.Equal(t, exitFailed, out.code)
	assert.Equal(t, "perfgate-measure: -receipt: cannot write "+filepath.Join(missing, "r.json")+
		": directory "+missing+" does not exist; nothing was run\n", out.stderr)
}

// assertReceiptStats checks a receipt's stats: perfgate's, over the
// measured samples only.
func assertReceiptStats(t *testing.T, stats map[string]bench.Summary[uint64], measured []adapters.RunResult) {
	t.Helper()
	// The stats are perfgate's, over the measured samples only.
	st, ok := bench.ComputeStats(measured)
	require.True(t, ok)
	want, err := json.Marshal(st)
	require.NoError(t, err)
	got, err := json.Marshal(stats)
	require.NoError(t, err)
	assert.JSONEq(t, string(want), string(got))
	walls := []uint64{measured[0].WallMs, measured[1].WallMs, measured[2].WallMs}
	wall, _ := bench.Summarize(walls)
	wall.N = 0 // not in the receipt
	assert.Equal(t, wall, stats["wall_ms"])
	if !underWine() {
		assert.Contains(t, stats, "max_rss_kb")
	}
	assert.Contains(t, stats, "cpu_ms")
	assert.NotContains(t, stats, "network_packets", "no sample has it")
}
