//go:build unix

package adapters

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// helperTree starts a grandchild (this binary as "ignore-term", with
// setsid when args[0] is "setsid"), prints the grandchild's pid and
// signals that it is ready with the pid (signalReady), then either exits
// at once (args[1] "exit") or ignores SIGTERM and sleeps. The grandchild
// inherits stdout and stderr, so it holds the pipes.
func helperTree(args []string) int {
	cmd := exec.Command(helperExe(), "30s")
	cmd.Env = append(os.Environ(), helperEnvKey+"=ignore-term")
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: args[0] == "setsid"}
	if err := cmd.Start(); err != nil {
		return helperUsage("tree: %v", err)
	}
	os.Stdout.WriteString(strconv.Itoa(cmd.Process.Pid) + "\n")
	if err := signalReady(strconv.Itoa(cmd.Process.Pid)); err != nil {
		return helperUsage("tree: %v", err)
	}
	if args[1] == "exit" {
		return 0
	}
	return helperIgnoreTerm([]string{"30s"})
}

// helperIgnoreTerm ignores SIGTERM and sleeps for args[0].
func helperIgnoreTerm(args []string) int {
	signalIgnoreTerm()
	return helperSleep(args)
}

// TestRunTimeoutKillsTree kills the run at its deadline; its grandchild,
// if the helper got to start it, dies with it.
func TestRunTimeoutKillsTree(t *testing.T) {
	const timeout = time.Second
	spec, ready := withReadyFile(t, helperSpec("tree", "group", "stay"))
	spec.Timeout = timeout
	start := time.Now()
	res := mustRun(t, spec)
	elapsed := time.Since(start)
	assert.True(t, res.TimedOut)
	assert.Equal(t, -1, res.ExitCode)
	require.NotNil(t, res.Signal)
	assert.Equal(t, int(syscall.SIGKILL), *res.Signal)
	assert.GreaterOrEqual(t, res.Wall, timeout)
	assert.Less(t, elapsed, timeout+5*time.Second)
	require.ErrorIs(t, res.Err(), ErrTimeout)
	assertTreeGone(t, res, ready)
}

// assertTreeGone checks that no process of a tree helper's run killed at
// its deadline survives, however far the helper got before the deadline,
// which the test cannot choose: the grandchild, when the helper started
// it (printed its pid, then created its ready file), and on Linux every
// process whose environment names the run's ready file, which all of the
// run's processes inherit.
func assertTreeGone(t *testing.T, res RunResult, ready string) {
	t.Helper()
	if len(res.Stdout) > 0 {
		grandchild := parsePid(t, res.Stdout)
		if announced, err := os.ReadFile(ready); err == nil {
			assert.Equal(t, string(announced), strconv.Itoa(grandchild))
		}
		assertGone(t, grandchild)
	} else {
		t.Logf("the deadline came before the helper started its grandchild")
	}
	assertNoProcessWithEnv(t, readyEnvKey+"="+ready)
}

func TestRunKillsLeftoversInGroup(t *testing.T) {
	res := mustRun(t, helperSpec("tree", "group", "exit"))
	assert.Equal(t, 0, res.ExitCode)
	assert.False(t, res.TimedOut)
	assert.Less(t, res.Wall, 5*time.Second)
	assertGone(t, parsePid(t, res.Stdout))
}

func TestRunEscapedDescendantHoldingPipes(t *testing.T) {
	runner := StdProcessRunner{PipeGrace: 200 * time.Millisecond}
	start := time.Now()
	res, err := runner.Run(context.Background(), helperSpec("tree", "setsid", "exit"))
	elapsed := time.Since(start)
	require.NoError(t, err)
	daemon := parsePid(t, res.Stdout)
	t.Cleanup(func() { _ = syscall.Kill(daemon, syscall.SIGKILL) })
	assert.Equal(t, 0, res.ExitCode)
	assert.Less(t, res.Wall, 5*time.Second, "wall time ends when the child exits")
	assert.Less(t, elapsed, res.Wall+200*time.Millisecond+2*time.Second, "Run waits at most the grace")
	assert.GreaterOrEqual(t, elapsed, res.Wall+200*time.Millisecond, "the daemon held the pipes for the whole grace")
	assert.NoError(t, syscall.Kill(daemon, 0), "a setsid daemon is outside the group and survives (documented)")
}

func TestRunContextCancel(t *testing.T) {
	// Cancelled once the grandchild runs, which the helper announces.
	run := runCancelledWhenReady(t, StdProcessRunner{}, helperSpec("tree", "group", "stay"))
	res, err := run.res, run.err
	require.Error(t, err)
	assert.ErrorIs(t, err, context.Canceled)
	assert.ErrorIs(t, err, ErrKilled)
	assert.NotErrorIs(t, err, ErrRunCommand)
	assert.Less(t, run.afterCancel, 5*time.Second, "Run returns soon after the cancel")
	require.NotNil(t, res.Signal)
	assert.Equal(t, int(syscall.SIGKILL), *res.Signal)
	assert.False(t, res.TimedOut)
	grandchild := parsePid(t, res.Stdout)
	assert.Equal(t, run.ready, strconv.Itoa(grandchild), "the output printed before the cancel is kept")
	assertGone(t, grandchild)
}

// goneDeadline is how long assertGone waits for a killed process to end:
// long, since a loaded machine may take a while to tear one down, and only
// a failing test waits that long.
const goneDeadline = 20 * time.Second

// assertGone checks that pid has ended: it no longer exists, or it is a
// zombie waiting for a reaper that is not us.
func assertGone(t *testing.T, pid int) {
	t.Helper()
	assert.Eventually(t, func() bool {
		if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
			return true
		}
		if _, err := os.Stat("/proc/self/stat"); err != nil {
			return false // no procfs to tell a zombie: wait for ESRCH
		}
		stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			return errors.Is(err, fs.ErrNotExist)
		}
		_, after, _ := strings.Cut(string(stat), ") ")
		return strings.HasPrefix(after, "Z")
	}, goneDeadline, 10*time.Millisecond, "process %d survived", pid)
}
