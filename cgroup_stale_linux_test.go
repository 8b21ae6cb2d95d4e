//go:build linux

package adapters

import (
	"bufio"
	"context"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/perfgate/adapters/internal/cgroupfs"
	"github.com/perfgate/adapters/internal/sysproc"
)

func init() {
	registerHelper("stale-owner", helperStaleOwner)
	registerHelper("stale-child", helperStaleChild)
}

// helperStaleOwner is a caller that dies mid-run: it runs "stale-child"
// in tree scope under the cgroup args[0], its output going to this
// process's own stdout, and waits for it, until the test SIGKILLs it.
func helperStaleOwner(args []string) int {
	spec := helperSpec("stale-child")
	spec.Output = OutputInherit
	runner := StdProcessRunner{Scope: ScopeTree, CgroupParent: args[0]}
	_, err := runner.Run(context.Background(), spec)
	return helperUsage("stale-owner: the run ended: %v", err)
}

// helperStaleChild starts a setsid grandchild that sleeps, prints "CGROUP
// PID GRANDCHILD" (its cgroup v2 path, its pid and the grandchild's) and
// sleeps too: both outlive a caller that is killed.
func helperStaleChild([]string) int {
	cmd := helperCommand("ignore-term", "60s")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return helperUsage("stale-child: %v", err)
	}
	data, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return helperUsage("stale-child: %v", err)
	}
	cg, err := cgroupfs.ParseProcCgroup(data)
	if err != nil {
		return helperUsage("stale-child: %v", err)
	}
	os.Stdout.WriteString(cg + " " + strconv.Itoa(os.Getpid()) + " " + strconv.Itoa(cmd.Process.Pid) + "\n")
	return helperIgnoreTerm([]string{"60s"})
}

// helperCommand is the helper name run with args as an exec.Cmd, for a
// process the test starts itself rather than through a runner.
func helperCommand(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(helperExe(), args...)
	cmd.Env = append(os.Environ(), helperEnvKey+"="+name, "GORACE="+helperGORACE())
	return cmd
}

// makeTestCgroup makes an empty cgroup under parent for one test, so that
// the test's first run under it is this process's first use of it (the
// stale sweep runs then), and removes it after the test. Its name is not
// a run's.
func makeTestCgroup(t testing.TB, parent string) string {
	t.Helper()
	dir, err := os.MkdirTemp(parent, "perfgatetest-")
	require.NoError(t, err)
	t.Cleanup(func() {
		assert.Empty(t, subcgroups(t, dir), "cgroups left in the test's cgroup")
		for _, sub := range subcgroups(t, dir) {
			_ = removeCgroupTree(filepath.Join(dir, sub))
		}
		assert.NoError(t, removeCgroupTree(dir))
	})
	return dir
}

// subcgroups lists the names of the cgroups directly under dir, sorted.
func subcgroups(t testing.TB, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		if e.IsDir() {
			names = append(names, e.Name())
		}
	}
	return names
}

// readProcs returns the sorted pids of the cgroup dir's cgroup.procs.
func readProcs(t *testing.T, dir string) []int {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
	require.NoError(t, err)
	pids, err := cgroupfs.ParseProcs(data)
	require.NoError(t, err)
	slices.Sort(pids)
	return pids
}

// startStaleOwner starts "stale-owner" under parent and waits for its
// child's line; it returns the owner, the run's cgroup path and the pids
// of the child and of its setsid grandchild, which the test must see die.
func startStaleOwner(t *testing.T, parent string) (owner *exec.Cmd, stale string, pids []int) {
	t.Helper()
	errFile, err := os.Create(filepath.Join(t.TempDir(), "stderr"))
	require.NoError(t, err)
	defer errFile.Close()
	owner = helperCommand("stale-owner", parent)
	// A file, not a buffer: a pipe copied by a goroutine would make Wait
	// wait for the survivors, which inherit it.
	owner.Stderr = errFile
	stdout, err := owner.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, owner.Start())
	t.Cleanup(func() {
		if owner.ProcessState == nil {
			_ = owner.Process.Kill()
			_ = owner.Wait()
		}
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		diag, _ := os.ReadFile(errFile.Name())
		require.NoError(t, err, "stale-owner said: %s", diag)
	}
	fields := strings.Fields(line)
	require.Len(t, fields, 3, "stale-child printed %q", line)
	for _, f := range fields[1:] {
		pid, err := strconv.Atoi(f)
		require.NoError(t, err)
		pids = append(pids, pid)
		t.Cleanup(func() { _ = syscall.Kill(pid, syscall.SIGKILL) })
	}
	name := cgroupfs.RunName(owner.Process.Pid, 1) // the owner's first and only run
	require.Equal(t, []string{filepath.Base(parent), name}, []string{path.Base(path.Dir(fields[0])), path.Base(fields[0])},
		"the child runs in its run's cgroup, %s", fields[0])
	stale = filepath.Join(parent, name)
	t.Cleanup(func() {
		if c, err := openCgroup(stale); err == nil {
			c.abandon() // kill, drain, remove, should the test have failed
		}
	})
	slices.Sort(pids)
	return owner, stale, pids
}

// A caller SIGKILLed mid-run leaves its run's cgroup with the child and a
// setsid grandchild running. The next process that uses tree scope under
// that parent kills them and removes the cgroup before its first run,
// with cgroup.kill and with the freeze-and-kill of kernels before 5.14.
func TestTreeSweepsStaleCgroupOfKilledCaller(t *testing.T) {
	usable := requireCgroups(t)
	for _, freeze := range []bool{false, true} {
		t.Run("freezeKill="+strconv.FormatBool(freeze), func(t *testing.T) {
			parent := makeTestCgroup(t, usable)
			owner, stale, pids := startStaleOwner(t, parent)

			require.NoError(t, owner.Process.Signal(syscall.SIGKILL))
			err := owner.Wait()
			var exit *exec.ExitError
			require.ErrorAs(t, err, &exit)
			require.Equal(t, syscall.SIGKILL, exit.Sys().(syscall.WaitStatus).Signal())
			require.True(t, ownerGone(owner.Process.Pid), "the owner is reaped")
			assert.Equal(t, []string{filepath.Base(stale)}, subcgroups(t, parent), "the killed caller left its run's cgroup")
			assert.Equal(t, pids, readProcs(t, stale), "with the child and the setsid grandchild in it")
			for _, pid := range pids {
				require.NoError(t, syscall.Kill(pid, 0), "process %d runs on", pid)
			}

			testHooks.freezeKill = freeze
			t.Cleanup(func() { testHooks.freezeKill = false })
			res := runTree(t, StdProcessRunner{Scope: ScopeTree, CgroupParent: parent}, helperSpec("exit", "0"))
			assert.Equal(t, 0, res.ExitCode)
			assert.Equal(t, FigureSource{Scope: ScopeTree, Source: SourceCgroupCPUStat}, res.Sources["cpu_ms"])
			_, err = os.Stat(stale)
			assert.ErrorIs(t, err, fs.ErrNotExist, "the stale cgroup is removed")
			assert.Empty(t, subcgroups(t, parent))
			for _, pid := range pids {
				assertGone(t, pid)
			}
		})
	}
}

// deadPid returns a pid that no process has: pid_max itself, which the
// kernel never gives, where that is a pid a runner could have had;
// otherwise the pid of a child that exited and was reaped.
func deadPid(t testing.TB) int {
	t.Helper()
	data, err := os.ReadFile("/proc/sys/kernel/pid_max")
	require.NoError(t, err)
	pidMax, err := strconv.Atoi(strings.TrimSpace(string(data)))
	require.NoError(t, err)
	if pidMax <= cgroupfs.MaxPID {
		return pidMax
	}
	cmd := helperCommand("exit", "0")
	require.NoError(t, cmd.Run())
	require.True(t, ownerGone(cmd.Process.Pid), "pid %d was reused at once", cmd.Process.Pid)
	return cmd.Process.Pid
}

// startZombie starts a child that exits and leaves it unreaped until the
// test ends: a pid that exists although its process has ended.
func startZombie(t *testing.T) int {
	t.Helper()
	cmd := helperCommand("exit", "0")
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Wait() })
	var info unix.Siginfo
	err := sysproc.IgnoringEINTR(func() error {
		return unix.Waitid(unix.P_PID, cmd.Process.Pid, &info, unix.WEXITED|unix.WNOWAIT, nil)
	})
	require.NoError(t, err)
	return cmd.Process.Pid
}

// Only cgroups named exactly as a run's, whose owner pid does not exist,
// are removed (with the cgroups inside them). The owner being init, a
// zombie or this process (whose concurrent runs are live) keeps a
// cgroup, and so does any other name.
func TestStaleSweepTakesOnlyDeadOwnersRunCgroups(t *testing.T) {
	usable := requireCgroups(t)
	parent := makeTestCgroup(t, usable)
	dead, zombie, self := deadPid(t), startZombie(t), os.Getpid()
	d := strconv.Itoa(dead)
	kept := []string{
		cgroupfs.RunName(1, 1), cgroupfs.RunName(zombie, 1), cgroupfs.RunName(self, 1<<40),
		"perfgate-0" + d + "-1", "perfgate-" + d + "-01", "perfgate-" + d, "perfgate-" + d + "-1-1",
		"perfgate-" + d + "-1.old", "xperfgate-" + d + "-1", "Perfgate-" + d + "-1", "perfgate-" + d + "-0",
		cgroupfs.RunName(cgroupfs.MaxPID+1, 1),
	}
	stale := []string{cgroupfs.RunName(dead, 1), cgroupfs.RunName(dead, 2)}
	for _, name := range append(slices.Clone(kept), stale...) {
		require.NoError(t, os.Mkdir(filepath.Join(parent, name), 0o755), name)
	}
	require.NoError(t, os.Mkdir(filepath.Join(parent, stale[1], "inner"), 0o755))
	t.Cleanup(func() {
		for _, name := range subcgroups(t, parent) {
			assert.NoError(t, removeCgroupTree(filepath.Join(parent, name)))
		}
	})

	fds := openDescriptors(t)
	removed, err := sweepStaleRunCgroups(parent)
	require.NoError(t, err)
	assert.Equal(t, fds, openDescriptors(t), "descriptors leaked")
	assert.Equal(t, []string{parent + "/" + stale[0], parent + "/" + stale[1]}, removed)
	slices.Sort(kept)
	assert.Equal(t, kept, subcgroups(t, parent))

	_, err = sweepStaleRunCgroups(filepath.Join(parent, "missing"))
	assert.ErrorIs(t, err, fs.ErrNotExist)
}

// sweepStaleOnce sweeps a parent the first time only, and remembers only
// a sweep that could list the parent.
func TestStaleSweepOncePerParent(t *testing.T) {
	usable := requireCgroups(t)
	parent := makeTestCgroup(t, usable)
	first, second := filepath.Join(parent, cgroupfs.RunName(deadPid(t), 1)), filepath.Join(parent, cgroupfs.RunName(deadPid(t), 2))
	t.Cleanup(func() { _ = removeCgroupTree(first); _ = removeCgroupTree(second) })

	missing := filepath.Join(parent, "later")
	sweepStaleOnce(missing)
	_, remembered := staleSwept.parents.Load(missing)
	assert.False(t, remembered, "a parent that could not be listed is swept again")

	require.NoError(t, os.Mkdir(first, 0o755))
	sweepStaleOnce(parent)
	_, err := os.Stat(first)
	assert.ErrorIs(t, err, fs.ErrNotExist, "the first use sweeps")

	require.NoError(t, os.Mkdir(second, 0o755))
	sweepStaleOnce(parent + "/")
	sweepStaleOnce(parent)
	assert.DirExists(t, second, "later uses do not")
	require.NoError(t, removeCgroupTree(second))
}
