//go:build linux

package adapters

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var ballast []byte

// helperBallastRun holds args[0] MiB of touched memory, then runs the
// "alloc" helper for each of args[2:] MiB in turn through StdProcessRunner,
// through the spawner when args[1] is "spawner" and directly when it is
// "direct", and prints the RunResults as a JSON array. It runs in a child so
// the ballast does not raise the test process's own peak for the other
// tests; one ballast serves all the children, since touching it is the
// slow part.
func helperBallastRun(args []string) int {
	if len(args) < 3 {
		return helperUsage("ballast-run BALLAST-MIB direct|spawner CHILD-MIB...")
	}
	ballastMiB, err := strconv.Atoi(args[0])
	if err != nil {
		return helperUsage("ballast-run: %v", err)
	}
	ballast = touchedMemory(ballastMiB)
	runner := StdProcessRunner{Direct: args[1] != "spawner"}
	results := make([]RunResult, 0, len(args)-2)
	for _, childMiB := range args[2:] {
		res, err := runner.Run(context.Background(), helperSpec("alloc", childMiB))
		if err != nil {
			return helperUsage("ballast-run: %v", err)
		}
		results = append(results, res)
	}
	out, _ := json.Marshal(results)
	os.Stdout.Write(out)
	return 0
}

// ballastRun runs children of childMiB each, in turn, from a caller
// holding ballastMiB (helperBallastRun) and returns their results.
func ballastRun(t *testing.T, ballastMiB int, mode string, childMiB ...int) []RunResult {
	t.Helper()
	args := []string{strconv.Itoa(ballastMiB), mode}
	for _, mib := range childMiB {
		args = append(args, strconv.Itoa(mib))
	}
	spec := helperSpec("ballast-run", args...)
	spec.OutputCapBytes = 1 << 20
	outer := mustRun(t, spec)
	require.Equal(t, 0, outer.ExitCode, "stderr: %s", outer.Stderr)
	var inner []RunResult
	require.NoError(t, json.Unmarshal(outer.Stdout, &inner))
	require.Len(t, inner, len(childMiB))
	for i, res := range inner {
		require.Equal(t, 0, res.ExitCode, "the %d MiB child", childMiB[i])
	}
	return inner
}

// A 300 MiB caller must not make a 10 MiB child read as 300 MiB
// (golang/go#32054): spawned directly (StdProcessRunner.Direct), the figure
// is withheld (TestRunMaxRSSThroughSpawner covers the spawner, the default,
// which measures it).
func TestRunMaxRSSNotFlooredByCaller(t *testing.T) {
	got := ballastRun(t, 300, "direct", 10, 400)
	small, big := got[0], got[1]
	assert.Nil(t, small.MaxRSSKB, "ru_maxrss of a child below the caller's peak is the caller's, not the child's")
	// The result says why, with the floor: the 300 MiB caller's own peak.
	note := small.Notes["max_rss_kb"]
	assert.Contains(t, note, "withheld: ru_maxrss is not above this process's own peak of ")
	assert.Contains(t, note, "the child's own peak is at most that")
	var floorKiB uint64
	_, err := fmt.Sscanf(note[strings.Index(note, "peak of ")+len("peak of "):], "%d KiB", &floorKiB)
	require.NoError(t, err, note)
	assert.GreaterOrEqual(t, floorKiB, uint64(300<<10), "the floor is the caller's peak")

	require.NotNil(t, big.MaxRSSKB, "a child above the caller's peak is measured")
	assert.Nil(t, big.Notes, "nothing to explain")
	// No upper bound: a figure above the caller's peak cannot include the
	// caller's.
	assert.GreaterOrEqual(t, *big.MaxRSSKB, uint64(400<<10))
}

// runnerRules are the tests every wait strategy must pass.
var runnerRules = map[string]func(*testing.T){
	"exit codes":         TestRunExitCodes,
	"signalled":          TestRunSignalled,
	"timeout kills tree": TestRunTimeoutKillsTree,
	"deadline reaches a child out of its group": TestRunTimeoutKillsChildThatLeftItsGroup,
	"context reaches a child out of its group":  TestRunContextKillsChildThatLeftItsGroup,
	"leftovers killed":                          TestRunKillsLeftoversInGroup,
	"escaped daemon":                            TestRunEscapedDescendantHoldingPipes,
	"context cancel":                            TestRunContextCancel,
	"output caps":                               TestRunOutputCaps,
	"output never dropped":                      TestRunOutputWrittenBeforeExitIsNeverDropped,
	"large output":                              TestRunLargeOutputWithTimeout,
	"stdin":                                     TestRunStdinIsNullDevice,
	"stdin from a file":                         TestRunStdinFromFile,
	"stdin from a reader":                       TestRunStdinFromReader,
	"stdin left unread":                         TestRunStdinNotReadDoesNotHang,
	"stdin reader error":                        TestRunStdinReaderError,
	"stdin reader error before any byte":        TestRunStdinReaderErrorBeforeAnyByte,
	"stdin reader error after the exit":         TestRunStdinReaderErrorAfterExit,
	"stdin reader at EOF":                       TestRunStdinReaderEOF,
	"stdin unread is no error":                  TestRunStdinUnreadIsNoError,
	"stdin a closed file":                       TestRunStdinClosedFile,
	"output discarded":                          TestRunOutputDiscard,
	"output inherited":                          TestRunOutputInherit,
	"concurrent runs":                           TestRunConcurrentRunsGetOwnFigures,
	"leaves nothing behind":                     TestRunLeavesNothingBehind,
}

// Kernels before 5.3 give no pidfd; the runner then learns of the exit
// from a waitid(WNOWAIT) goroutine. The same rules must hold there.
func TestRunWithoutPidfd(t *testing.T) {
	testHooks.paths.NoPidfd = true
	t.Cleanup(func() { testHooks.paths.NoPidfd = false })
	for name, rule := range runnerRules {
		t.Run(name, rule)
	}
}

// macOS and the BSDs use reader goroutines and wait4; the code builds on
// Linux so that it is tested here against the same rules.
func TestRunWithReaderGoroutines(t *testing.T) {
	testHooks.paths.Readers = true
	t.Cleanup(func() { testHooks.paths.Readers = false })
	for name, rule := range runnerRules {
		t.Run(name, rule)
	}
}
