package adapters

// What the tests check of processes on Linux, where /proc tells: a runner
// whose peak is the child's own, and no survivor with a given environment.
// process_checks_other_test.go is the same elsewhere.

import (
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/perfgate/adapters/internal/spawner"
)

// childsOwnRSSRunner is a runner whose max_rss_kb is the child's own even
// for a child smaller than this test process: on Linux the spawner's, whose
// floor is its own small peak (the direct spawn withholds such a figure).
func childsOwnRSSRunner(t *testing.T) StdProcessRunner {
	t.Helper()
	runner := StdProcessRunner{}
	res := mustRun(t, helperSpec("exit", "0"))
	require.NotContains(t, res.Notes, "spawner", "the spawner is refused here")
	require.NotNil(t, spawner.Live(), "the spawner runs")
	return runner
}

// assertNoProcessWithEnv checks, through /proc, that no live process has
// entry (KEY=VALUE) in its environment. A zombie's environment reads
// empty, so a killed process waiting for its reaper does not count.
func assertNoProcessWithEnv(t *testing.T, entry string) {
	t.Helper()
	var left []int
	assert.Eventually(t, func() bool {
		left = processesWithEnv(t, entry)
		return len(left) == 0
	}, goneDeadline, 10*time.Millisecond, "processes with %s survived", entry)
	if len(left) > 0 {
		t.Logf("survivors: %v", left)
	}
}

// processesWithEnv lists the processes whose environment holds entry;
// those it may not read are not ours and are left out.
func processesWithEnv(t *testing.T, entry string) []int {
	t.Helper()
	dirs, err := os.ReadDir("/proc")
	require.NoError(t, err)
	var pids []int
	for _, d := range dirs {
		pid, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		env, err := os.ReadFile("/proc/" + d.Name() + "/environ")
		if err != nil {
			continue
		}
		if slices.Contains(strings.Split(string(env), "\x00"), entry) {
			pids = append(pids, pid)
		}
	}
	return pids
}
