//go:build !unix && !windows

package adapters

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// On js/wasm and wasip1 no process can be started: Run must say so with
// ErrRunCommand (wrapping errors.ErrUnsupported), after the same
// validation and lookup as everywhere else.
func TestRunWithoutProcesses(t *testing.T) {
	if runtime.GOOS == "plan9" {
		t.Skip("plan9 has processes; its runner is os/exec")
	}
	prog := filepath.Join(t.TempDir(), "prog")
	require.NoError(t, os.WriteFile(prog, []byte("#!/bin/sh\n"), 0o755))
	var runner StdProcessRunner

	res, err := runner.Run(context.Background(), CommandSpec{Argv: []string{prog}})
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrRunCommand)
	assert.True(t, errors.Is(err, errors.ErrUnsupported), "got %v", err)
	assert.Equal(t, notStarted(err), withoutCommand(res))

	_, err = runner.Run(context.Background(), CommandSpec{Argv: []string{filepath.Join(t.TempDir(), "missing")}})
	assert.ErrorIs(t, err, ErrRunCommand)
	assert.ErrorIs(t, err, os.ErrNotExist)

	_, err = runner.Run(context.Background(), CommandSpec{Argv: []string{prog}, Timeout: -1})
	assert.ErrorIs(t, err, ErrInvalidSpec)
	_, err = runner.Run(context.Background(), CommandSpec{})
	assert.ErrorIs(t, err, ErrEmptyArgv)
}
