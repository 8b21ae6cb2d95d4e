//go:build linux

package adapters

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/perfgate/adapters/internal/testcap"
)

// hugeArgv is a command line larger than any execve takes: 8 MB of
// arguments, above the 6 MiB that Linux allows whatever the stack limit.
func hugeArgv() []string {
	arg := strings.Repeat("x", 100_000) // below MAX_ARG_STRLEN (128 KiB)
	argv := []string{helperExe()}
	for len(argv) <= 80 {
		argv = append(argv, arg)
	}
	return argv
}

// An exec that fails with E2BIG in the run's cgroup is the run's error:
// the program is not started a second time outside the cgroup, and the
// cgroup is removed.
func TestTreeE2BIGIsNotRetriedOutsideTheCgroup(t *testing.T) {
	usable := requireCgroups(t)
	parent := makeTestCgroup(t, usable)
	spec := CommandSpec{Argv: hugeArgv()}

	runner := StdProcessRunner{Scope: ScopeTree, CgroupParent: parent}
	res, err := runner.Run(context.Background(), spec)
	require.ErrorIs(t, err, ErrRunCommand)
	require.ErrorIs(t, err, syscall.E2BIG)
	assert.Equal(t, notStarted(err), withoutCommand(res))
	assert.Empty(t, subcgroups(t, parent), "the run's cgroup is removed")
	// That the start was not retried outside the cgroup is checked one
	// level down: internal/runloop's TestStartProcessE2BIGKeepsTheCgroup.
}

// enablePids makes the pids controller available to the children of
// parent, and restores its cgroup.subtree_control after the test; it
// skips the test where that cannot be done (a failure under
// PERFGATE_REQUIRE_ALL=1 unless cgroup-pids is in PERFGATE_MAY_LACK).
func enablePids(t *testing.T, parent string) {
	t.Helper()
	controllers, err := os.ReadFile(filepath.Join(parent, "cgroup.controllers"))
	require.NoError(t, err)
	if !slicesContains(strings.Fields(string(controllers)), "pids") {
		testcap.SkipUnlessCapable(t, "cgroup-pids", fmt.Sprintf(
			"the pids controller is not available in %s (cgroup.controllers %q): bound to a cgroup v1 hierarchy or not delegated",
			parent, strings.TrimSpace(string(controllers))))
	}
	control := filepath.Join(parent, "cgroup.subtree_control")
	enabled, err := os.ReadFile(control)
	require.NoError(t, err)
	if slicesContains(strings.Fields(string(enabled)), "pids") {
		return
	}
	if err := os.WriteFile(control, []byte("+pids"), 0); err != nil {
		testcap.SkipUnlessCapable(t, "cgroup-pids", fmt.Sprintf(
			"cannot enable pids for the children of %s (a cgroup other than the root that holds processes cannot): %v", parent, err))
	}
	t.Cleanup(func() {
		if err := os.WriteFile(control, []byte("-pids"), 0); err != nil {
			t.Logf("pids left enabled in %s: %v", control, err)
		}
	})
}

// A pids.max that forbids the run's processes makes the start fail with
// EAGAIN; the program is not started outside the cgroup, where the limit
// would not hold.
func TestTreePidsLimitIsNotBypassed(t *testing.T) {
	usable := requireCgroups(t)
	enablePids(t, usable)
	parent := makeTestCgroup(t, usable)
	require.NoError(t, os.WriteFile(filepath.Join(parent, "pids.max"), []byte("0"), 0))

	runner := StdProcessRunner{Scope: ScopeTree, CgroupParent: parent}
	res, err := runner.Run(context.Background(), helperSpec("exit", "0"))
	require.ErrorIs(t, err, ErrRunCommand)
	require.ErrorIs(t, err, syscall.EAGAIN)
	assert.Equal(t, notStarted(err), withoutCommand(res))
	assert.Empty(t, subcgroups(t, parent), "the run's cgroup is removed")
}
