//go:build linux

package adapters

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/perfgate/adapters/internal/cgroupfs"
	"github.com/perfgate/adapters/internal/testcap"
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

// treeRunner is a runner in tree scope with the default parent.
var treeRunner = StdProcessRunner{Scope: ScopeTree}

// treeScopeProbe is what probeTreeScope found, once per test binary.
var treeScopeProbe = sync.OnceValue(probeTreeScope)

// treeScopeCapability is what tree scope needs of the machine, checked
// without the code under test: this process's cgroup v2 directory, a child
// cgroup made there, and a child process cloned straight into it (clone3
// with CLONE_INTO_CGROUP, as os/exec does with SysProcAttr.UseCgroupFD)
// that finds itself there in its /proc/self/cgroup. The controllers
// (memory, io, pids) are not needed for tree scope: cpu.stat, cgroup.kill
// and cgroup.events are core files; each test that wants a controller
// reads cgroup.controllers or cgroup.subtree_control itself.
type treeScopeCapability struct {
	// dir is this process's cgroup v2 directory, the default parent.
	dir string
	// controllers are those a child cgroup of dir gets.
	controllers []string
	// missing says why tree scope cannot work here; empty where it can.
	missing string
}

func probeTreeScope() treeScopeCapability {
	own, missing := testcap.OwnCgroupV2()
	if missing != "" {
		return treeScopeCapability{missing: missing}
	}
	name := "perfgate_probe-" + strconv.Itoa(os.Getpid())
	dir := filepath.Join(own.Dir, name)
	fail := func(format string, a ...any) treeScopeCapability {
		return treeScopeCapability{dir: own.Dir, missing: fmt.Sprintf(format, a...)}
	}
	if err := unix.Mkdir(dir, 0o755); err != nil {
		return fail("cannot make a cgroup in %s: %v", own.Dir, err)
	}
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		_ = unix.Rmdir(dir)
		return fail("open %s: %v", dir, err)
	}
	controllers, err := os.ReadFile(filepath.Join(dir, "cgroup.controllers"))
	cmd := exec.Command(helperExe())
	cmd.Env = append(os.Environ(), helperEnvKey+"=cgroup-self", "GORACE="+helperGORACE())
	cmd.SysProcAttr = &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: fd}
	out, runErr := cmd.Output()
	unix.Close(fd)
	// The child has been reaped, so the cgroup is empty and can go.
	if rmErr := unix.Rmdir(dir); rmErr != nil {
		return fail("cannot remove the probe's cgroup %s: %v", dir, rmErr)
	}
	if err != nil {
		return fail("read %s/cgroup.controllers: %v", dir, err)
	}
	if runErr != nil {
		return fail("cannot start a child in the cgroup %s (clone3 with CLONE_INTO_CGROUP): %v", dir, runErr)
	}
	if got, want := strings.TrimSpace(string(out)), path.Join(own.Path, name); got != want {
		return fail("a child cloned into the cgroup %s finds itself in %q", want, got)
	}
	return treeScopeCapability{dir: own.Dir, controllers: strings.Fields(string(controllers))}
}

// helperCgroupSelf prints the path of its cgroup v2 (the "0::" line of
// /proc/self/cgroup).
func helperCgroupSelf([]string) int {
	data, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return exitCodeOf(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if p, ok := strings.CutPrefix(line, "0::"); ok {
			_, err := fmt.Println(p)
			return exitCodeOf(err)
		}
	}
	return helperUsage("cgroup-self: no cgroup v2 line in %q", data)
}

// requireCgroups skips the test where the machine cannot do tree scope,
// as treeScopeProbe tells without the code under test (a failure instead
// under PERFGATE_REQUIRE_ALL=1), and returns this process's cgroup v2
// directory. Where the machine can, a tree run that falls back to process
// scope is a failure of the test, never a skip.
func requireCgroups(t *testing.T) string {
	t.Helper()
	probe := treeScopeProbe()
	testcap.SkipUnlessCapable(t, "cgroup-tree", probe.missing)
	res, err := treeRunner.Run(context.Background(), helperSpec("exit", "0"))
	require.NoError(t, err)
	s := res.Sources["cpu_ms"]
	require.Equal(t, ScopeTree, s.Scope,
		"the machine can run a child in a cgroup of its own under %s (controllers %q), but the run fell back: %s",
		probe.dir, probe.controllers, s.Note)
	t.Cleanup(func() { assertNoRunCgroups(t, probe.dir) })
	return probe.dir
}

// The probe finds tree scope where the library does not fall back, and
// the directory it names is the one the library uses by default.
func TestTreeScopeProbeAgreesWithTheRunner(t *testing.T) {
	parent := requireCgroups(t)
	loc, err := cgroupfs.Locate(cgroupfs.DefaultProcRoot)
	require.NoError(t, err)
	assert.Equal(t, parent, loc.Dir)
	t.Logf("tree scope under %s; a child cgroup gets the controllers %q", parent, treeScopeProbe().controllers)
}

// assertNoRunCgroups checks that no cgroup of this process is left in
// parent.
func assertNoRunCgroups(t *testing.T, parent string) {
	t.Helper()
	left, err := filepath.Glob(filepath.Join(parent, "perfgate-"+strconv.Itoa(os.Getpid())+"-*"))
	require.NoError(t, err)
	assert.Empty(t, left, "cgroups left behind")
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
