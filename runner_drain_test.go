//go:build unix || windows

package adapters

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Output the child wrote before it exited is read in full even when the
// pipe grace is over at once: the grace bounds only the wait for pipes
// that a descendant holds open, never what is already in them.
func TestRunOutputWrittenBeforeExitIsNeverDropped(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Windows closes the pipes at the cut-off (internal/capture/cutoff_windows.go)")
	}
	runner := StdProcessRunner{PipeGrace: time.Nanosecond}
	for i := 0; i < 20; i++ {
		res, err := runner.Run(context.Background(), helperSpec("write", "both", "16003"))
		require.NoError(t, err)
		require.Equal(t, 0, res.ExitCode)
		assert.Equal(t, uint64Ptr(16003), res.StdoutTotalBytes, "run %d", i)
		assert.Equal(t, uint64Ptr(16003), res.StderrTotalBytes, "run %d", i)
		assert.Len(t, res.Stdout, DefaultOutputCapBytes, "run %d", i)
	}
}
