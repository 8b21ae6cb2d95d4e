//go:build unix

package adapters

import (
	"context"
	"os"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRunLeavesNothingBehind(t *testing.T) {
	var runner StdProcessRunner
	runOnce := func() {
		_, _ = runner.Run(context.Background(), helperSpec("exit", "0"))
		_, _ = runner.Run(context.Background(), CommandSpec{Argv: []string{"perfgate-no-such-program"}})
		_, _ = runner.Run(context.Background(), CommandSpec{Argv: []string{helperExe()}, Env: []EnvVar{{"", ""}}})
		spec := helperSpec("sleep", "10s")
		spec.Timeout = 20 * time.Millisecond
		_, _ = runner.Run(context.Background(), spec)
		_, _ = runner.Run(context.Background(), helperSpec("write", "both", "100000"))
	}
	runOnce() // warm up lazily opened runtime descriptors
	fds, goroutines := openDescriptors(t), runtime.NumGoroutine()
	for i := 0; i < 8; i++ {
		runOnce()
	}
	assert.Equal(t, fds, openDescriptors(t), "descriptors leaked")
	// Polled by hand (assert.Eventually runs goroutines of its own). Fewer
	// is fine: a goroutine of an earlier test may end meanwhile.
	assert.LessOrEqual(t, awaitGoroutinesAtMost(goroutines), goroutines, "goroutines leaked")
	var status syscall.WaitStatus
	const wnohang = 0x1 // WNOHANG on every Unix; aix's syscall lacks the name
	_, err := syscall.Wait4(-1, &status, wnohang, nil)
	assert.ErrorIs(t, err, syscall.ECHILD, "an unreaped child is left")
}

func openDescriptors(t *testing.T) int {
	entries, err := os.ReadDir("/dev/fd")
	require.NoError(t, err)
	return len(entries)
}
