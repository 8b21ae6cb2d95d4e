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

	"github.com/perfgate/adapters/internal/cgroupfs"
	"github.com/perfgate/adapters/internal/testcap"
)

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

// makeTestCgroup and subcgroups are testcap's, shared with
// internal/cgroupfs's tests.
func makeTestCgroup(t testing.TB, parent string) string { return testcap.TestCgroup(t, parent) }

func subcgroups(t testing.TB, dir string) []string { return testcap.Subcgroups(t, dir) }

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
		// Should the test have failed: kill what is left; the test cgroup's
		// own cleanup then removes the stale cgroup.
		_ = os.WriteFile(filepath.Join(stale, "cgroup.kill"), []byte("1"), 0)
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
			require.ErrorIs(t, syscall.Kill(owner.Process.Pid, 0), syscall.ESRCH, "the owner is reaped")
			assert.Equal(t, []string{filepath.Base(stale)}, subcgroups(t, parent), "the killed caller left its run's cgroup")
			assert.Equal(t, pids, readProcs(t, stale), "with the child and the setsid grandchild in it")
			for _, pid := range pids {
				require.NoError(t, syscall.Kill(pid, 0), "process %d runs on", pid)
			}

			testHooks.paths.Cgroup.FreezeKill = freeze
			t.Cleanup(func() { testHooks.paths.Cgroup.FreezeKill = false })
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
