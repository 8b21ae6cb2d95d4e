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
	unixTool(t, "sh")
	trueProg := unixTool(t, "true")
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
