//go:build unix

package adapters

import (
	"context"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// helperLeaveGroup moves itself out of the process group the runner made
// for it, into its parent's group, then sleeps args[0]. A kill of the
// run's group no longer reaches it.
func helperLeaveGroup(args []string) int {
	if err := unix.Setpgid(0, mustPgid(os.Getppid())); err != nil {
		return helperUsage("leave-group: setpgid: %v", err)
	}
	return helperSleep(args)
}

func mustPgid(pid int) int {
	pgid, err := unix.Getpgid(pid)
	if err != nil {
		panic(err)
	}
	return pgid
}

// A deadline reaches the child itself, not only its group: a child that
// left the group is killed at the deadline, and the run times out.
func TestRunTimeoutKillsChildThatLeftItsGroup(t *testing.T) {
	spec := helperSpec("leave-group", "20s")
	spec.Timeout = 300 * time.Millisecond
	began := time.Now()
	res := mustRun(t, spec)
	elapsed := time.Since(began)
	assert.True(t, res.TimedOut, "killed at the deadline")
	require.NotNil(t, res.Signal)
	assert.Equal(t, int(syscall.SIGKILL), *res.Signal)
	assert.GreaterOrEqual(t, res.Wall, spec.Timeout)
	assert.Less(t, elapsed, 10*time.Second, "returned long before the 20 s sleep would end")
}

// The same for a context deadline: Run returns the context's error.
func TestRunContextKillsChildThatLeftItsGroup(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	began := time.Now()
	res, err := StdProcessRunner{}.Run(ctx, helperSpec("leave-group", "20s"))
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.NotNil(t, res.Signal)
	assert.Equal(t, int(syscall.SIGKILL), *res.Signal)
	assert.Less(t, time.Since(began), 10*time.Second, "returned long before the 20 s sleep would end")
}
