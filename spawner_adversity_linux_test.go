//go:build linux

package adapters

// The spawner under adversity: a child that leaves its group, a stopped
// or killed spawner, a caller whose state changed, junk in the
// environment, a subreaper caller, a caller without stdin. Every test
// waits for a file, a line or a process, never for a fixed time.

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/perfgate/adapters/internal/spawner"
)

// writeFileAtomic writes data to name through a rename, so that a reader
// that sees name sees all of it.
func writeFileAtomic(name, data string) error {
	if err := os.WriteFile(name+".tmp", []byte(data), 0o644); err != nil {
		return err
	}
	return os.Rename(name+".tmp", name)
}

// helperLeaveGroupReady leaves its process group for its parent's (it leads
// its own, so neither setsid nor setpgid(0, 0) would take it out), writes
// the file args[0], then sleeps for args[1].
func helperLeaveGroupReady(args []string) int {
	pgid, err := syscall.Getpgid(os.Getppid())
	if err == nil {
		err = syscall.Setpgid(0, pgid)
	}
	if err == nil {
		err = writeFileAtomic(args[0], "ready")
	}
	if err != nil {
		return helperUsage("leave-group: %v", err)
	}
	return helperSleep(args[1:])
}

// helperPidfileSleep writes its pid to the file args[0], then sleeps for
// args[1].
func helperPidfileSleep(args []string) int {
	if err := writeFileAtomic(args[0], strconv.Itoa(os.Getpid())); err != nil {
		return helperUsage("pidfile-sleep: %v", err)
	}
	return helperSleep(args[1:])
}

// helperTreeFile starts a grandchild in its own process group, writes
// "child grandchild" pids to the file args[0], then sleeps.
func helperTreeFile(args []string) int {
	cmd := exec.Command(helperExe(), "30s")
	cmd.Env = append(os.Environ(), helperEnvKey+"=ignore-term")
	if err := cmd.Start(); err != nil {
		return helperUsage("tree-file: %v", err)
	}
	pids := strconv.Itoa(os.Getpid()) + " " + strconv.Itoa(cmd.Process.Pid)
	if err := writeFileAtomic(args[0], pids); err != nil {
		return helperUsage("tree-file: %v", err)
	}
	return helperIgnoreTerm([]string{"30s"})
}

// helperUmask prints its umask as /proc/self/status gives it.
func helperUmask([]string) int {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return helperUsage("umask: %v", err)
	}
	_, umask, _ := strings.Cut(string(data), "\nUmask:")
	umask, _, _ = strings.Cut(umask, "\n")
	os.Stdout.WriteString(strings.TrimSpace(umask) + "\n")
	return 0
}

// helperRlimitCore prints its soft RLIMIT_CORE.
func helperRlimitCore([]string) int {
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_CORE, &lim); err != nil {
		return helperUsage("rlimit-core: %v", err)
	}
	os.Stdout.WriteString(strconv.FormatUint(lim.Cur, 10) + "\n")
	return 0
}

// waitForFile waits until name exists and returns its content, or until
// done is closed (the run ended first: ok is false).
func waitForFile(t *testing.T, name string, done <-chan struct{}) (content string, ok bool) {
	t.Helper()
	for limit := time.Now().Add(30 * time.Second); time.Now().Before(limit); {
		if data, err := os.ReadFile(name); err == nil {
			return string(data), true
		}
		select {
		case <-done:
			return "", false
		case <-time.After(5 * time.Millisecond):
		}
	}
	t.Fatalf("%s never appeared", name)
	return "", false
}

// freshSpawner starts a new spawner for the test and cleans it up after,
// continuing it should the test have stopped it.
func freshSpawner(t *testing.T) *spawner.Conn {
	t.Helper()
	spawner.Reset()
	s := spawner.Live()
	require.NotNil(t, s)
	t.Cleanup(func() {
		_ = syscall.Kill(s.Pid(), syscall.SIGCONT)
		spawner.Reset()
	})
	return s
}

// A child that leaves its process group is killed at the deadline all the
// same: through its pidfd, not only through the group.
func TestSpawnerTimeoutKillsChildThatLeftItsGroup(t *testing.T) {
	freshSpawner(t)
	ready := filepath.Join(t.TempDir(), "ready")
	spec := helperSpec("leave-group-ready", ready, "3s")
	// A loaded machine may take long to start the child: the deadline
	// grows until the child left its group before it.
	for _, timeout := range []time.Duration{300 * time.Millisecond, time.Second} {
		spec.Timeout = timeout
		res, err := StdProcessRunner{}.Run(context.Background(), spec)
		require.NoError(t, err)
		require.Empty(t, res.Notes["spawner"], "run through the spawner")
		if _, err := os.Stat(ready); err != nil {
			continue // killed before it left: try a later deadline
		}
		assert.True(t, res.TimedOut)
		assert.Less(t, res.Wall, timeout+1200*time.Millisecond, "well under the child's 3 s sleep")
		return
	}
	t.Fatal("the child never left its group before the deadline")
}

// runAsync runs spec through the spawner on a goroutine.
func runAsync(ctx context.Context, spec CommandSpec) (<-chan struct{}, *RunResult, *error) {
	done := make(chan struct{})
	var res RunResult
	var err error
	go func() {
		defer close(done)
		res, err = StdProcessRunner{}.Run(ctx, spec)
	}()
	return done, &res, &err
}

// awaitRun waits for a run started with runAsync, failing the test when
// it does not end within limit (the run would otherwise hang the test).
func awaitRun(t *testing.T, done <-chan struct{}, limit time.Duration) {
	t.Helper()
	select {
	case <-done:
	case <-time.After(limit):
		t.Fatalf("the run did not end within %v", limit)
	}
}

// A stopped spawner cannot keep a run past its deadline: the caller kills
// the child itself, gives the spawner a bounded wait, then kills it.
func TestSpawnerStoppedKeepsTheDeadline(t *testing.T) {
	t.Run("stopped before the run", func(t *testing.T) {
		s := freshSpawner(t)
		require.NoError(t, syscall.Kill(s.Pid(), syscall.SIGSTOP))
		spec := helperSpec("sleep", "30s")
		spec.Timeout = 300 * time.Millisecond
		start := time.Now()
		done, res, err := runAsync(context.Background(), spec)
		awaitRun(t, done, 10*time.Second)
		require.NoError(t, *err)
		assert.Less(t, time.Since(start), 3*time.Second)
		assert.True(t, res.TimedOut)
		assert.Equal(t, -1, res.ExitCode)
		assert.Nil(t, res.CPUMs, "no figures without the spawner's reply")
		assert.Contains(t, res.Notes["spawner"], "did not reply")
		assertGone(t, s.Pid())
	})
	for _, byContext := range []bool{false, true} {
		name := map[bool]string{false: "stopped mid-run", true: "stopped mid-run, context cancelled"}[byContext]
		t.Run(name, func(t *testing.T) { testSpawnerStoppedMidRun(t, byContext) })
	}
}

func testSpawnerStoppedMidRun(t *testing.T, byContext bool) {
	s := freshSpawner(t)
	pidfile := filepath.Join(t.TempDir(), "pid")
	spec := helperSpec("pidfile-sleep", pidfile, "30s")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if !byContext {
		// Long enough for a -race helper to start and write its file on a
		// loaded 2-CPU machine (it took over 2 s at load 15).
		spec.Timeout = 5 * time.Second
	}
	start := time.Now()
	done, res, err := runAsync(ctx, spec)
	text, ok := waitForFile(t, pidfile, done)
	require.True(t, ok, "the run ended before its child started")
	require.NoError(t, syscall.Kill(s.Pid(), syscall.SIGSTOP))
	if byContext {
		cancel()
	}
	awaitRun(t, done, 15*time.Second)
	if byContext {
		require.ErrorIs(t, *err, context.Canceled)
		assert.Less(t, time.Since(start), 15*time.Second)
	} else {
		require.NoError(t, *err)
		assert.True(t, res.TimedOut)
		assert.Less(t, time.Since(start), spec.Timeout+3*time.Second)
	}
	assert.Contains(t, res.Notes["spawner"], "did not reply")
	pid, _ := strconv.Atoi(text)
	assertGone(t, pid)
	assertGone(t, s.Pid())
	// The next run is served by a new spawner.
	next, err2 := StdProcessRunner{}.Run(context.Background(), helperSpec("exit", "0"))
	require.NoError(t, err2)
	assert.Empty(t, next.Notes["spawner"])
}

// When the spawner dies mid-run, nothing of the run survives it: its
// child dies by PR_SET_PDEATHSIG, the rest of its group by the caller.
func TestSpawnerKilledMidRunLeavesNoGrandchild(t *testing.T) {
	s := freshSpawner(t)
	pidfile := filepath.Join(t.TempDir(), "pids")
	done, _, err := runAsync(context.Background(), helperSpec("tree-file", pidfile))
	text, ok := waitForFile(t, pidfile, done)
	require.True(t, ok, "the run ended before its child started")
	require.NoError(t, syscall.Kill(s.Pid(), syscall.SIGKILL))
	awaitRun(t, done, 10*time.Second)
	require.Error(t, *err)
	for _, f := range strings.Fields(text) {
		pid, _ := strconv.Atoi(f)
		assertGone(t, pid)
	}
}

// A dead spawner is replaced at the next run.
func TestSpawnerRestartedAfterDeath(t *testing.T) {
	s := freshSpawner(t)
	require.NoError(t, syscall.Kill(s.Pid(), syscall.SIGKILL))
	s.AwaitExit()
	res, err := StdProcessRunner{}.Run(context.Background(), helperSpec("exit", "0"))
	require.NoError(t, err)
	assert.Empty(t, res.Notes["spawner"], "served by a new spawner")
	s2 := spawner.Live()
	require.NotNil(t, s2)
	assert.NotEqual(t, s.Pid(), s2.Pid())
}

// helperJSON prints v as the helper's one line of output.
func helperJSON(v any) int {
	out, err := json.Marshal(v)
	if err != nil {
		return helperUsage("%v", err)
	}
	os.Stdout.Write(append(out, '\n'))
	return 0
}

// runHelperJSON runs the helper name and decodes its line into v.
func runHelperJSON(t *testing.T, v any, name string, args ...string) {
	t.Helper()
	spec := helperSpec(name, args...)
	spec.OutputCapBytes = 1 << 20
	res := mustRun(t, spec)
	require.Equal(t, 0, res.ExitCode, "stderr: %s", res.Stderr)
	require.NoError(t, json.Unmarshal(res.Stdout, v), "stdout: %s", res.Stdout)
}
