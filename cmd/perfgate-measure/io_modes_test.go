package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The tests of -input and -output marked "needs the library" check what
// the runner does with CommandSpec.Stdin and CommandSpec.Output, which the
// library implements on another branch: they fail until that is merged.
// The others check the command line alone.

// needs the library: every run reads the file from its start.
func TestInputFile(t *testing.T) {
	t.Parallel()
	requireRunner(t)
	path := filepath.Join(t.TempDir(), "in")
	require.NoError(t, os.WriteFile(path, []byte("first line\nsecond line\n"), 0o644))
	out := measure(t, helperArgs(t, "cat", []string{"-json", "-input", path, "-warmup", "1", "-repeat", "3"})...)
	require.Equal(t, exitOK, out.code, out.stderr)
	for _, line := range jsonLines(t, out.stdout, 3) {
		r := decodeRun(t, line)
		assert.Equal(t, "first line\nsecond line\n", string(r.Stdout))
	}
}

// needs the library: a pipe can feed one run.
func TestInputPipe(t *testing.T) {
	t.Parallel()
	requireRunner(t)
	if runtime.GOOS != "linux" {
		t.Skip("opens a pipe by its /proc/self/fd name")
	}
	r, w, err := os.Pipe()
	require.NoError(t, err)
	defer r.Close()
	path := fmt.Sprintf("/proc/self/fd/%d", r.Fd())
	_, err = w.WriteString("piped\n")
	require.NoError(t, err)
	require.NoError(t, w.Close())
	out := measure(t, helperArgs(t, "cat", []string{"-json", "-input", path})...)
	require.Equal(t, exitOK, out.code, out.stderr)
	assert.Equal(t, "piped\n", string(decodeRun(t, jsonLines(t, out.stdout, 1)[0]).Stdout))
}

func TestInputErrors(t *testing.T) {
	t.Parallel()
	requireRunner(t)
	missing := filepath.Join(t.TempDir(), "missing")
	out := measure(t, "-input", missing, "--", "true")
	assert.Equal(t, exitFailed, out.code)
	assert.Empty(t, out.stdout)
	_, err := os.Open(missing)
	require.Error(t, err)
	assert.Equal(t, "perfgate-measure: -input: "+err.Error()+"\n", out.stderr, "the system's own words")

	if runtime.GOOS != "linux" {
		return
	}
	r, w, err := os.Pipe()
	require.NoError(t, err)
	defer r.Close()
	defer w.Close()
	path := fmt.Sprintf("/proc/self/fd/%d", r.Fd())
	out = measure(t, "-input", path, "-warmup", "1", "--", "true")
	assert.Equal(t, exitUsage, out.code)
	assert.Equal(t, "perfgate-measure: -input "+path+" cannot be rewound (seek "+path+": illegal seek), "+
		"so it can feed one run, not 2\nusage: perfgate-measure [flags] 'command'... | -- prog [args...]  (see -help)\n", out.stderr)
}

// needs the library: discarded output is neither kept nor counted.
func TestOutputDiscard(t *testing.T) {
	t.Parallel()
	requireRunner(t)
	out := measure(t, helperArgs(t, "write", []string{"-json", "-output", "discard"}, "5", "3")...)
	require.Equal(t, exitOK, out.code, out.stderr)
	r := decodeRun(t, jsonLines(t, out.stdout, 1)[0])
	assert.Nil(t, r.StdoutTotalBytes)
	assert.Nil(t, r.StderrTotalBytes)
	assert.Empty(t, r.Stdout)

	out = measure(t, helperArgs(t, "write", []string{"-output", "discard"}, "5", "3")...)
	require.Equal(t, exitOK, out.code, out.stderr)
	assert.Contains(t, out.stdout, "\n  stdout        n/a (not captured)\n  stderr        n/a (not captured)\n")
}

// needs the library: inherited output goes to perfgate-measure's own
// stdout and stderr, here those of a perfgate-measure process.
func TestOutputInherit(t *testing.T) {
	t.Parallel()
	requireRunner(t)
	exe, err := os.Executable()
	require.NoError(t, err)
	cmd := exec.Command(exe, helperArgs(t, "write", []string{"-json", "-repeat", "2", "-output", "inherit"}, "5", "3")...)
	cmd.Env = append(os.Environ(), cliEnvKey+"=1")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Run(), stderr.String())
	assert.Equal(t, "eeeeee", stderr.String(), "no progress line with inherit")
	lines := strings.SplitAfter(stdout.String(), "\n")
	require.Len(t, lines, 3, stdout.String())
	for _, line := range lines[:2] {
		require.True(t, strings.HasPrefix(line, "ooooo{"), line)
		r := decodeRun(t, strings.TrimSuffix(strings.TrimPrefix(line, "ooooo"), "\n"))
		assert.Nil(t, r.StdoutTotalBytes)
	}
}

// -output capture is the default.
func TestOutputCapture(t *testing.T) {
	t.Parallel()
	requireRunner(t)
	out := measure(t, helperArgs(t, "write", []string{"-json", "-output", "capture"}, "5", "3")...)
	require.Equal(t, exitOK, out.code, out.stderr)
	r := decodeRun(t, jsonLines(t, out.stdout, 1)[0])
	require.NotNil(t, r.StdoutTotalBytes)
	assert.Equal(t, uint64(5), *r.StdoutTotalBytes)
	assert.Equal(t, "eee", string(r.Stderr))
}
