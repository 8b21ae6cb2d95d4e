//go:build linux

package adapters

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/perfgate/adapters/internal/cgroupfs"
	"github.com/perfgate/adapters/internal/testcap"
)

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
