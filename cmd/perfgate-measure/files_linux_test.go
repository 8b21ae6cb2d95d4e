package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Exports are written whole or not at all: under a file size limit of
// 4 KiB (as a full file system), os.WriteFile left 4 KiB of invalid JSON
// in place of the old file. Now the old file is kept, no temporary file
// is left, and the status is 1.
func TestExportWrittenWholeOrNotAtAll(t *testing.T) {
	t.Parallel()
	sh := unixTool(t, "sh", "this file's tests run on Linux only")
	trueProg := unixTool(t, "true", "this file's tests run on Linux only")
	dir := t.TempDir()
	path := filepath.Join(dir, "x.json")
	require.NoError(t, os.WriteFile(path, []byte("old\n"), 0o644))
	exe, err := os.Executable()
	require.NoError(t, err)
	// 20 runs make an export far above 4 KiB.
	cmd := exec.Command(sh, "-c", `ulimit -f 8 && exec "$0" "$@"`, exe, "-repeat", "20", "-export-json", path, "--", trueProg)
	cmd.Env = append(os.Environ(), cliEnvKey+"=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err = cmd.Run()
	var exit *exec.ExitError
	require.True(t, errors.As(err, &exit), "%v: %s", err, stderr.String())
	assert.Equal(t, exitFailed, exit.ExitCode())
	assert.Contains(t, stderr.String(), "-export-json: ")
	assert.Contains(t, stderr.String(), "file too large")
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "old\n", string(data), "the old file is kept whole")
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 1, "no temporary file is left")
}

// An export to a FIFO: with no reader it is an error before the first run
// (it hung after the last); with a reader the export goes into it.
func TestExportToFIFO(t *testing.T) {
	t.Parallel()
	trueProg := unixTool(t, "true", "this file's tests run on Linux only")
	fifo := filepath.Join(t.TempDir(), "fifo")
	require.NoError(t, syscall.Mkfifo(fifo, 0o644))

	cmd := cliCommand(t, nil, "-repeat", "2", "-export-json", fifo, "--", trueProg)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Start())
	done := make(chan struct{})
	go func() {
		defer close(done)
		cmd.Wait()
	}()
	// Not a timed assertion: only a guard, so that the old code, which
	// blocks opening the FIFO, fails here instead of hanging the tests.
	guard := time.NewTimer(2 * time.Minute)
	defer guard.Stop()
	select {
	case <-done:
	case <-guard.C:
		r, err := os.OpenFile(fifo, os.O_RDONLY, 0) // lets it go on
		require.NoError(t, err)
		io.Copy(io.Discard, r)
		r.Close()
		<-done
		t.Fatal("perfgate-measure hung on a FIFO with no reader")
	}
	assert.Equal(t, exitFailed, cmd.ProcessState.ExitCode(), stderr.String())
	assert.Equal(t, "perfgate-measure: -export-json: cannot write "+fifo+": a FIFO that no process has open "+
		"for reading (start its reader first); nothing was run\n", stderr.String())
	assert.Empty(t, stdout.String())

	// With a reader.
	r, err := os.OpenFile(fifo, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	require.NoError(t, err)
	defer r.Close()
	out := measure(t, "-repeat", "2", "-export-json", fifo, "--", trueProg)
	require.Equal(t, exitOK, out.code, out.stderr)
	data, err := io.ReadAll(r)
	require.NoError(t, err)
	var doc struct{ Results []map[string]any }
	require.NoError(t, json.Unmarshal(data, &doc), string(data))
	assert.Len(t, doc.Results, 1)
	info, err := os.Stat(fifo)
	require.NoError(t, err)
	assert.NotZero(t, info.Mode()&os.ModeNamedPipe, "still a FIFO, not replaced")
}
