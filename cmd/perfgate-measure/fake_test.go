package main

import (
	"bytes"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/perfgate/adapters"
)

// measureWithRunner is perfgate-measure with args, its commands run by
// runner (issue 20, point 11: the CLI holds a ProcessRunner, so that its
// tests can use the library's fakes and know every figure in advance).
func measureWithRunner(t *testing.T, runner adapters.ProcessRunner, args ...string) outcome {
	t.Helper()
	var stdout, stderr bytes.Buffer
	o, code, ok := parseArgs(args, &stdout, &stderr)
	if ok {
		code = measureAll(t.Context(), o, &reportWriter{w: &stdout}, &stderr, runner)
	}
	return outcome{code, stdout.String(), stderr.String()}
}

func TestWithFakeRunner(t *testing.T) {
	t.Parallel()
	argv := []string{"prog", "a"}
	fake := adapters.NewFakeProcessRunner()
	user := uint64(40_000)
	fake.SetResult(argv, adapters.RunResult{Wall: 100 * time.Millisecond, UserCPUUs: &user})
	path := filepath.Join(t.TempDir(), "x.json")
	out := measureWithRunner(t, fake, "-r", "3", "--export-json", path, "--", "prog", "a")
	require.Equal(t, exitOK, out.code, out.stderr)
	assert.Equal(t, 3, fake.CallCount())
	r := readHyperfineExport(t, path)[0]
	assert.Equal(t, []any{0.1, 0.1, 0.1}, r["times"])
	assert.Equal(t, 0.04, r["user"])
	assert.Nil(t, r["system"], "no run had the figure: null, not 0")

	// A failure, its stderr and the hints, known in advance.
	fake.SetResult(argv, adapters.RunResult{Wall: time.Millisecond, ExitCode: 2, Stderr: []byte("boom\n")})
	out = measureWithRunner(t, fake, "-r", "2", "--", "prog", "a")
	assert.Equal(t, exitFailed, out.code)
	assert.Contains(t, out.stderr, "exit status 2\n  boom\n  -i (--ignore-failure) keeps runs")
}
