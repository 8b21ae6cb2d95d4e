package cgroupfs

// The test binary's helper processes and the cgroups the tests make. A
// helper is this binary re-run with helperEnvKey naming what it does.

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/perfgate/adapters/internal/sysproc"
	"github.com/perfgate/adapters/internal/testcap"
)

const helperEnvKey = "CGROUPFS_TEST_HELPER"

// helpers are the helper processes, registered here alone.
var helpers = map[string]func(){
	"exit":  func() { os.Exit(0) },
	"sleep": func() { time.Sleep(time.Minute); os.Exit(0) },
}

func TestMain(m *testing.M) {
	if name := os.Getenv(helperEnvKey); name != "" {
		if h, ok := helpers[name]; ok {
			h()
		}
		os.Stderr.WriteString("unknown helper " + name + "\n")
		os.Exit(2)
	}
	os.Exit(m.Run())
}

// helperCommand is the helper name as an exec.Cmd.
func helperCommand(name string) *exec.Cmd {
	exe, err := os.Executable()
	if err != nil {
		panic(err)
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), helperEnvKey+"="+name)
	return cmd
}

// usableParent is where the tests make their cgroups.
func usableParent(t testing.TB) string { return testcap.UsableCgroupV2(t) }

// makeTestCgroup and subcgroups are testcap's, shared with the root
// package's tests.
func makeTestCgroup(t testing.TB, parent string) string { return testcap.TestCgroup(t, parent) }

func subcgroups(t testing.TB, dir string) []string { return testcap.Subcgroups(t, dir) }

// deadPid returns a pid that no process has: pid_max itself, which the
// kernel never gives, where that is a pid a runner could have had;
// otherwise the pid of a child that exited and was reaped.
func deadPid(t testing.TB) int {
	t.Helper()
	data, err := os.ReadFile("/proc/sys/kernel/pid_max")
	require.NoError(t, err)
	pidMax, err := strconv.Atoi(strings.TrimSpace(string(data)))
	require.NoError(t, err)
	if pidMax <= MaxPID {
		return pidMax
	}
	cmd := helperCommand("exit")
	require.NoError(t, cmd.Run())
	require.True(t, ownerGone(cmd.Process.Pid), "pid %d was reused at once", cmd.Process.Pid)
	return cmd.Process.Pid
}

// startZombie starts a child that exits and leaves it unreaped until the
// test ends: a pid that exists although its process has ended.
func startZombie(t *testing.T) int {
	t.Helper()
	cmd := helperCommand("exit")
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Wait() })
	var info unix.Siginfo
	err := sysproc.IgnoringEINTR(func() error {
		return unix.Waitid(unix.P_PID, cmd.Process.Pid, &info, unix.WEXITED|unix.WNOWAIT, nil)
	})
	require.NoError(t, err)
	return cmd.Process.Pid
}

// startSleeperIn starts a helper that sleeps a minute in the cgroup dir.
func startSleeperIn(b *testing.B, dir string) *exec.Cmd {
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer unix.Close(fd)
	cmd := helperCommand("sleep")
	cmd.SysProcAttr = &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: fd}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	return cmd
}

// openDescriptors counts this process's open descriptors.
func openDescriptors(t *testing.T) int {
	entries, err := os.ReadDir("/dev/fd")
	require.NoError(t, err)
	return len(entries)
}
