//go:build unix || windows

package adapters

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Standard input and the output modes, on every runner (runnerRules
// repeats them through the Linux paths).

// helperCat copies standard input to standard output, then prints on
// standard error how many bytes it copied.
func helperCat(args []string) int {
	n, err := io.Copy(os.Stdout, os.Stdin)
	if err != nil {
		return helperUsage("cat: %v", err)
	}
	os.Stderr.WriteString(strconv.FormatInt(n, 10) + "\n")
	return 0
}

func TestRunStdinFromFile(t *testing.T) {
	want := helperPatternBytes(100 << 10)
	path := filepath.Join(t.TempDir(), "input")
	require.NoError(t, os.WriteFile(path, want, 0o600))
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()

	spec := helperSpec("cat")
	spec.Stdin = f
	spec.OutputCapBytes = len(want)
	res := mustRun(t, spec)
	assert.Equal(t, want, res.Stdout, "the file's bytes, as they are")
	assert.Equal(t, strconv.Itoa(len(want))+"\n", string(res.Stderr))
	// The caller's file is handed over, not closed.
	_, err = f.Seek(0, io.SeekStart)
	assert.NoError(t, err)
}

func TestRunStdinFromReader(t *testing.T) {
	want := helperPatternBytes(1 << 20) // more than a pipe holds
	spec := helperSpec("cat")
	spec.Stdin = bytes.NewReader(want)
	spec.OutputCapBytes = len(want)
	res := mustRun(t, spec)
	assert.Equal(t, len(want), len(res.Stdout))
	assert.True(t, bytes.Equal(want, res.Stdout), "the reader's bytes, as they are")
	assert.Equal(t, strconv.Itoa(len(want))+"\n", string(res.Stderr))
}

// A child that reads nothing of an endless reader still ends the run.
func TestRunStdinNotReadDoesNotHang(t *testing.T) {
	spec := helperSpec("exit", "0")
	spec.Stdin = endlessReader{}
	res := mustRun(t, spec)
	assert.Equal(t, 0, res.ExitCode)
}

type endlessReader struct{}

func (endlessReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'y'
	}
	return len(p), nil
}

func TestRunOutputDiscard(t *testing.T) {
	spec := helperSpec("write", "both", "300000")
	spec.Output = OutputDiscard
	res := mustRun(t, spec)
	assert.Equal(t, 0, res.ExitCode)
	assert.Nil(t, res.StdoutTotalBytes, "not read, so not counted")
	assert.Nil(t, res.StderrTotalBytes)
	assert.Empty(t, res.Stdout)
	assert.Empty(t, res.Stderr)
	assert.False(t, res.StdoutTruncated)
}

// OutputInherit hands the child the caller's os.Stdout and os.Stderr: here
// files standing in for them.
func TestRunOutputInherit(t *testing.T) {
	dir := t.TempDir()
	stdout, err := os.Create(filepath.Join(dir, "stdout"))
	require.NoError(t, err)
	defer stdout.Close()
	stderr, err := os.Create(filepath.Join(dir, "stderr"))
	require.NoError(t, err)
	defer stderr.Close()
	savedOut, savedErr := os.Stdout, os.Stderr
	os.Stdout, os.Stderr = stdout, stderr
	spec := helperSpec("echo", "to the caller's stdout")
	spec.Output = OutputInherit
	res, runErr := StdProcessRunner{}.Run(context.Background(), spec)
	os.Stdout, os.Stderr = savedOut, savedErr
	require.NoError(t, runErr)

	assert.Nil(t, res.StdoutTotalBytes)
	assert.Empty(t, res.Stdout)
	got, err := os.ReadFile(stdout.Name())
	require.NoError(t, err)
	assert.Equal(t, "to the caller's stdout\n", string(got))
}
