package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A report that cannot be written is an error: with stdout on /dev/full
// text mode exited 0 and the report was lost. Now the status is 1 and
// standard error says why, in every mode.
func TestReportToFullDevice(t *testing.T) {
	t.Parallel()
	unixTool(t, "sh", "this file's tests run on Linux only")
	trueProg := unixTool(t, "true", "this file's tests run on Linux only")
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	require.NoError(t, err)
	defer full.Close()
	for _, args := range [][]string{
		{"-r", "2", "--style", "basic", "exit 0"},
		{"--", trueProg},
		{"-repeat", "3", "--", trueProg},
		{"-json", "--", trueProg},
	} {
		cmd := cliCommand(t, nil, args...)
		var stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = full, &stderr
		err := cmd.Run()
		var exit *exec.ExitError
		require.True(t, errors.As(err, &exit), "%v: %v; stderr: %s", args, err, stderr.String())
		assert.Equal(t, exitFailed, exit.ExitCode(), "%v", args)
		assert.Contains(t, stderr.String(), "no space left on device", "%v", args)
	}
}

// Bad numbers are usage errors: a huge -warmup with -input from a pipe
// overflowed the run count, passed the pipe's one-run check and ran
// forever; now every count is bounded and checked before anything runs.
func TestHugeCountsAreUsageErrors(t *testing.T) {
	t.Parallel()
	trueProg := unixTool(t, "true", "this file's tests run on Linux only")
	for _, args := range [][]string{
		{"-warmup", "9223372036854775807", "-repeat", "2", "-input", "/dev/stdin", "--", trueProg},
		{"-repeat", "9223372036854775807", "-input", "/dev/stdin", "--", trueProg},
		{"-runs", "1000000001", "--", trueProg},
		{"-min-runs", "9223372036854775807", "--", trueProg},
		{"-max-runs", "9223372036854775807", "--", trueProg},
		{"-w", "9223372036854775807", "exit 0"},
	} {
		cmd := cliCommand(t, nil, args...)
		// The runs' stdin is a pipe nobody writes: a run would wait for
		// ever, so the usage error must come before any.
		r, w, err := os.Pipe()
		require.NoError(t, err)
		cmd.Stdin = r
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		require.NoError(t, cmd.Start())
		r.Close()
		err = cmd.Wait()
		w.Close()
		var exit *exec.ExitError
		require.True(t, errors.As(err, &exit), "%v: %v", args, err)
		assert.Equal(t, exitUsage, exit.ExitCode(), "%v: %s", args, stderr.String())
		assert.Contains(t, stderr.String(), "runs\n", "%v", args)
	}
}
