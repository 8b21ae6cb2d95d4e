//go:build linux

package adapters

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// helperOrphanSpin makes an orphan that burns args[0] of CPU: it runs
// "spawn-orphan", which starts "spin" and exits without waiting for it,
// so the spinner is reparented away from this process and nobody in the
// run ever waits for it. This helper then waits (without being able to
// reap it) until the spinner has exited, prints its pid and exits.
func helperOrphanSpin(args []string) int {
	cmd := exec.Command(helperExe(), args[0])
	cmd.Env = append(os.Environ(), helperEnvKey+"=spawn-orphan")
	out, err := cmd.Output()
	if err != nil {
		return helperUsage("orphan-spin: %v", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil {
		return helperUsage("orphan-spin: %q", out)
	}
	// A pidfd of a process that is not our child becomes readable when it
	// exits; ESRCH means it is already gone.
	if fd, err := unix.PidfdOpen(pid, 0); err == nil {
		fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		for {
			if _, err := unix.Poll(fds, -1); err != unix.EINTR {
				break
			}
		}
		unix.Close(fd)
	}
	os.Stdout.WriteString(strconv.Itoa(pid) + "\n")
	return 0
}

// helperSpawnOrphan starts "spin args[0]" with no output, prints its pid
// and exits without waiting for it.
func helperSpawnOrphan(args []string) int {
	cmd := exec.Command(helperExe(), args[0])
	cmd.Env = append(os.Environ(), helperEnvKey+"=spin")
	if err := cmd.Start(); err != nil {
		return helperUsage("spawn-orphan: %v", err)
	}
	os.Stdout.WriteString(strconv.Itoa(cmd.Process.Pid) + "\n")
	return 0
}

func runTree(t *testing.T, runner StdProcessRunner, spec CommandSpec) RunResult {
	t.Helper()
	res, err := runner.Run(context.Background(), spec)
	require.NoError(t, err)
	return res
}

// An orphan's CPU time is the tree's and not the process's: the spinner
// is reparented and reaped by init, so wait4 never sees it.
func TestTreeCountsOrphanCPU(t *testing.T) {
	requireCgroups(t)
	const spin = 400 * time.Millisecond
	spec := helperSpec("orphan-spin", spin.String())

	tree := runTree(t, treeRunner, spec)
	require.Equal(t, 0, tree.ExitCode, "stderr: %s", tree.Stderr)
	assertGone(t, parsePid(t, tree.Stdout))
	require.NotNil(t, tree.CPUMs)
	assert.GreaterOrEqual(t, *tree.CPUMs, uint64(spin/time.Millisecond), "the orphan's CPU is counted")
	assert.Equal(t, (*tree.UserCPUUs+*tree.SystemCPUUs)/1000, *tree.CPUMs)
	for _, key := range cpuKeys {
		assert.Equal(t, FigureSource{Scope: ScopeTree, Source: SourceCgroupCPUStat}, tree.Sources[key], key)
	}

	process := mustRun(t, spec)
	require.Equal(t, 0, process.ExitCode)
	assert.Nil(t, process.Sources, "process scope reports no sources")
	assert.Less(t, *process.CPUMs, uint64(spin/time.Millisecond), "wait4 misses the orphan")
	t.Logf("orphan spinning %v: tree cpu_ms %d, process cpu_ms %d", spin, *tree.CPUMs, *process.CPUMs)
}

// A setsid daemon leaves the process group but not the cgroup: tree
// scope kills it when the child exits, so Run does not wait for the pipes
// it holds.
func TestTreeKillsSetsidDaemon(t *testing.T) {
	requireCgroups(t)
	runner := treeRunner
	runner.PipeGrace = 10 * time.Second
	start := time.Now()
	res := runTree(t, runner, helperSpec("tree", "setsid", "exit"))
	elapsed := time.Since(start)
	daemon := parsePid(t, res.Stdout)
	t.Cleanup(func() { _ = syscall.Kill(daemon, syscall.SIGKILL) })
	assert.Equal(t, 0, res.ExitCode)
	assertGone(t, daemon)
	assert.Less(t, elapsed, res.Wall+5*time.Second, "the daemon's pipes closed when it was killed, long before the grace")
}

func TestTreeTimeoutKillsTheCgroup(t *testing.T) {
	requireCgroups(t)
	spec, ready := withReadyFile(t, helperSpec("tree", "setsid", "stay"))
	spec.Timeout = time.Second
	res := runTree(t, treeRunner, spec)
	assert.True(t, res.TimedOut)
	require.NotNil(t, res.Signal)
	assert.Equal(t, int(syscall.SIGKILL), *res.Signal)
	assertTreeGone(t, res, ready)
	assert.Equal(t, ScopeTree, res.Sources["cpu_ms"].Scope)
}

func TestTreeContextCancelKillsTheCgroup(t *testing.T) {
	requireCgroups(t)
	// Cancelled once the setsid grandchild runs, which the helper
	// announces.
	run := runCancelledWhenReady(t, treeRunner, helperSpec("tree", "setsid", "stay"))
	require.ErrorIs(t, run.err, context.Canceled)
	daemon := parsePid(t, run.res.Stdout)
	assert.Equal(t, run.ready, strconv.Itoa(daemon))
	assertGone(t, daemon)
	assert.Equal(t, ScopeTree, run.res.Sources["cpu_ms"].Scope)
}

// Kernels 5.7 to 5.13 have no cgroup.kill: the cgroup is frozen, its
// processes listed and killed, and thawed.
func TestTreeKillWithoutCgroupKill(t *testing.T) {
	requireCgroups(t)
	testHooks.paths.Cgroup.FreezeKill = true
	t.Cleanup(func() { testHooks.paths.Cgroup.FreezeKill = false })

	res := runTree(t, treeRunner, helperSpec("tree", "setsid", "exit"))
	assertGone(t, parsePid(t, res.Stdout))

	spec, ready := withReadyFile(t, helperSpec("tree", "setsid", "stay"))
	spec.Timeout = time.Second
	res = runTree(t, treeRunner, spec)
	assert.True(t, res.TimedOut)
	assertTreeGone(t, res, ready)
}

// In tree scope the CPU figures are the cgroup's and pass the cross-check
// against wait4; peak memory and I/O are the cgroup's where the parent
// has the controllers, and wait4's with a note where it has not.
func TestTreeFiguresOfASimpleChild(t *testing.T) {
	parent := requireCgroups(t)
	res := runTree(t, treeRunner, helperSpec("spin", "200ms"))
	require.NotNil(t, res.CPUMs)
	assert.GreaterOrEqual(t, *res.CPUMs, uint64(200))
	assert.Equal(t, ScopeTree, res.Sources["user_cpu_us"].Scope)
	assert.Empty(t, res.Sources["cpu_ms"].Note)
	assert.Equal(t, FigureSource{Scope: ScopeProcess, Source: SourceWait4}, res.Sources["page_faults"])

	res = runTree(t, treeRunner, helperSpec("alloc", "200"))
	controllers, _ := os.ReadFile(filepath.Join(parent, "cgroup.subtree_control"))
	enabled := strings.Fields(string(controllers))
	mem := res.Sources["max_rss_kb"]
	if slicesContains(enabled, "memory") {
		assert.Equal(t, FigureSource{Scope: ScopeTree, Source: SourceCgroupMemoryPeak}, mem)
		assert.GreaterOrEqual(t, *res.MaxRSSKB, uint64(200<<10))
	} else if res.MaxRSSKB != nil {
		assert.Equal(t, ScopeProcess, mem.Scope)
		assert.Contains(t, mem.Note, "no memory.peak")
	}
	io := res.Sources["io_write_bytes"]
	if slicesContains(enabled, "io") {
		assert.Equal(t, ScopeTree, io.Scope)
	} else {
		assert.Equal(t, ScopeProcess, io.Scope)
		assert.Contains(t, io.Note, "no io.stat")
	}
}

func slicesContains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// A CgroupParent that is not a cgroup v2 directory, or does not exist,
// gives wait4's figures, each saying why, and no error; nothing is
// created there.
func TestTreeFallsBackWithoutCgroup(t *testing.T) {
	plain := t.TempDir()
	for parent, why := range map[string]string{
		plain:                           plain + " is not a cgroup v2 directory",
		filepath.Join(plain, "missing"): "statfs " + filepath.Join(plain, "missing") + ": no such file or directory",
	} {
		runner := StdProcessRunner{Scope: ScopeTree, CgroupParent: parent}
		res, err := runner.Run(context.Background(), helperSpec("spin", "50ms"))
		require.NoError(t, err)
		assert.Equal(t, 0, res.ExitCode)
		require.NotNil(t, res.CPUMs)
		assert.GreaterOrEqual(t, *res.CPUMs, uint64(50))
		for _, f := range resourceFigures(&res) {
			if f.value == nil {
				continue
			}
			assert.Equal(t, FigureSource{Scope: ScopeProcess, Source: SourceWait4, Note: "no cgroup: " + why}, res.Sources[f.key], f.key)
		}
		assert.Contains(t, res.Sources, "cpu_ms")
	}
	entries, err := os.ReadDir(plain)
	require.NoError(t, err)
	assert.Empty(t, entries, "nothing created in a directory that is not a cgroup")
}

// When the clone into the cgroup fails (a kernel before 5.7, or a cgroup
// the kernel will not take), the program is started without it.
func TestTreeFallsBackWhenCloneIntoCgroupFails(t *testing.T) {
	requireCgroups(t)
	testHooks.paths.Cgroup.CloneIntoCgroupFails = true
	t.Cleanup(func() { testHooks.paths.Cgroup.CloneIntoCgroupFails = false })
	res := runTree(t, treeRunner, helperSpec("exit", "3"))
	assert.Equal(t, 3, res.ExitCode)
	s := res.Sources["cpu_ms"]
	assert.Equal(t, ScopeProcess, s.Scope)
	assert.Contains(t, s.Note, "no cgroup: cannot start the program in ")
	assert.Contains(t, s.Note, "bad file descriptor")
}

// An exec error is the program's, with or without a cgroup, and leaves
// no cgroup behind.
func TestTreeExecErrorIsReported(t *testing.T) {
	requireCgroups(t)
	bad := filepath.Join(t.TempDir(), "not-a-program")
	require.NoError(t, os.WriteFile(bad, []byte("\x7fELF but not really"), 0o755))
	res, err := treeRunner.Run(context.Background(), CommandSpec{Argv: []string{bad}})
	require.ErrorIs(t, err, ErrRunCommand)
	require.ErrorIs(t, err, syscall.ENOEXEC)
	assert.Equal(t, notStarted(err), withoutCommand(res))
}

func TestTreeConcurrentRunsGetOwnFigures(t *testing.T) {
	requireCgroups(t)
	results := runConcurrently(t, treeRunner, 6, func(i int) CommandSpec {
		if i%2 == 0 {
			return helperSpec("orphan-spin", "300ms")
		}
		return helperSpec("sleep", "300ms")
	})
	for i, res := range results {
		require.NotNil(t, res.CPUMs)
		assert.Equal(t, ScopeTree, res.Sources["cpu_ms"].Scope)
		if i%2 == 0 {
			assert.GreaterOrEqual(t, *res.CPUMs, uint64(300), "orphan spinner %d", i)
		} else {
			assert.Less(t, *res.CPUMs, uint64(150), "sleeper %d", i)
		}
	}
}

func TestTreeLeavesNothingBehind(t *testing.T) {
	requireCgroups(t)
	runOnce := func() {
		_, _ = treeRunner.Run(context.Background(), helperSpec("exit", "0"))
		spec := helperSpec("tree", "setsid", "stay")
		spec.Timeout = 20 * time.Millisecond
		_, _ = treeRunner.Run(context.Background(), spec)
		_, _ = treeRunner.Run(context.Background(), helperSpec("tree", "setsid", "exit"))
		_, _ = treeRunner.Run(context.Background(), CommandSpec{Argv: []string{"perfgate-no-such-program"}})
	}
	runOnce()
	fds, goroutines := openDescriptors(t), runtime.NumGoroutine()
	for i := 0; i < 4; i++ {
		runOnce()
	}
	assert.Equal(t, fds, openDescriptors(t), "descriptors leaked")
	// Polled by hand (assert.Eventually runs goroutines of its own). Fewer
	// is fine: a goroutine of an earlier test may end meanwhile.
	assert.LessOrEqual(t, awaitGoroutinesAtMost(goroutines), goroutines, "goroutines leaked")
	var status syscall.WaitStatus
	_, err := syscall.Wait4(-1, &status, syscall.WNOHANG, nil)
	assert.ErrorIs(t, err, syscall.ECHILD, "an unreaped child is left")
}
