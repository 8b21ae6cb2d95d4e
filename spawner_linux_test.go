//go:build linux

package adapters

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/perfgate/adapters/internal/procfs"
	"github.com/perfgate/adapters/internal/spawner"
	"github.com/perfgate/adapters/internal/testcap"
)

// helperSpawnerPid runs one child through the spawner, prints the
// spawner's pid and exits without closing anything: the spawner must
// notice and exit.
func helperSpawnerPid([]string) int {
	runner := StdProcessRunner{}
	if _, err := runner.Run(context.Background(), helperSpec("exit", "0")); err != nil {
		return helperUsage("spawner-pid: %v", err)
	}
	s := spawner.Live()
	if s == nil {
		return helperUsage("spawner-pid: no spawner")
	}
	os.Stdout.WriteString(strconv.Itoa(s.Pid()) + "\n")
	return 0
}

// helperSpawnerFallback points the spawner at args[0], which cannot
// serve, runs a child and prints the RunResult and whether a spawner runs.
func helperSpawnerFallback(args []string) int {
	spawner.TestHooks.Exe = args[0]
	runner := StdProcessRunner{}
	res, err := runner.Run(context.Background(), helperSpec("echo", "hi"))
	if err != nil {
		return helperUsage("spawner-fallback: %v", err)
	}
	out, _ := json.Marshal(struct {
		Result  RunResult
		Spawner bool
	}{res, spawner.Live() != nil})
	os.Stdout.Write(out)
	return 0
}

// timeVMaxRSSKiB runs spec alone under /usr/bin/time -v and returns its
// "Maximum resident set size" (KiB).
func timeVMaxRSSKiB(t *testing.T, spec CommandSpec) uint64 {
	t.Helper()
	cmd := exec.Command("/usr/bin/time", append([]string{"-v"}, spec.Argv...)...)
	cmd.Env = childEnv(&spec)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Run(), "stderr: %s", stderr.String())
	sc := bufio.NewScanner(&stderr)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "Maximum resident set size (kbytes): "); ok {
			kib, err := strconv.ParseUint(v, 10, 64)
			require.NoError(t, err)
			return kib
		}
	}
	t.Fatalf("no maximum resident set size in %s", stderr.String())
	return 0
}

// The acceptance test of the spawner: a caller holding 300 MiB runs
// children of 1, 10 and 200 MiB and gets each one's own peak, within 10 %
// of what /usr/bin/time -v says for the same child run alone.
func TestRunMaxRSSThroughSpawner(t *testing.T) {
	_, timeErr := os.Stat("/usr/bin/time")
	sizes := []int{1, 10, 200}
	results := ballastRun(t, 300, "spawner", sizes...)
	for i, mib := range sizes {
		got := results[i]
		t.Run(strconv.Itoa(mib)+"MiB", func(t *testing.T) {
			require.NotNil(t, got.MaxRSSKB, "the spawner's floor is below the child's peak")
			assert.Less(t, *got.MaxRSSKB, uint64(300<<10), "not the caller's 300 MiB")
			assert.GreaterOrEqual(t, *got.MaxRSSKB, uint64(mib<<10))
			if timeErr != nil {
				testcap.SkipUnlessCapable(t, "gnu-time", "no /usr/bin/time to compare with: "+timeErr.Error())
			}
			want := timeVMaxRSSKiB(t, helperSpec("alloc", strconv.Itoa(mib)))
			t.Logf("max_rss_kb %d, /usr/bin/time -v %d (%+.1f %%)", *got.MaxRSSKB, want,
				100*(float64(*got.MaxRSSKB)-float64(want))/float64(want))
			assert.InEpsilon(t, want, *got.MaxRSSKB, 0.10)
		})
	}
}

// The spawner's own peak is a few tens of KiB, at most 64 KiB by its
// VmHWM, whatever this process is (built with -race or not, holding what it
// holds): /bin/true, about 1 MiB, gets its own figure, above the floor.
func TestSpawnerFloorIsSmall(t *testing.T) {
	s := spawner.Live()
	require.NotNil(t, s)
	res, err := StdProcessRunner{}.Run(context.Background(), CommandSpec{Argv: []string{trueProgram(t)}})
	require.NoError(t, err)
	require.Equal(t, 0, res.ExitCode, "stderr: %s", res.Stderr)
	hwm, err := procfs.PeakRSSKiB(procfs.DefaultRoot, strconv.Itoa(s.Pid()))
	require.NoError(t, err)
	assert.LessOrEqual(t, hwm, uint64(64), "the spawner's VmHWM, KiB")
	assert.Less(t, s.FloorKiB(), uint64(256), "the floor: VmHWM at the hello, the executable and the largest request")
	require.NotNil(t, res.MaxRSSKB, "/bin/true is above the floor (%d KiB): %v", s.FloorKiB(), res.Notes)
	assert.Greater(t, *res.MaxRSSKB, s.FloorKiB())
	assert.Same(t, s, spawner.Live(), "the spawner ran the child")
	t.Logf("spawner VmHWM %d KiB, floor %d KiB; /bin/true: %d KiB", hwm, s.FloorKiB(), *res.MaxRSSKB)
}

// The spawner is the default, refused by Direct and by the environment
// (with a note) and unused in tree scope; which runs the machine lets it
// take is internal/runloop's TestSpawnerChoice.
func TestPlanAsksForTheSpawner(t *testing.T) {
	spec := &CommandSpec{Argv: []string{"true"}}
	plan := StdProcessRunner{}.plan(spec, "/bin/true", nil)
	assert.False(t, plan.Direct, "on by default")
	assert.True(t, StdProcessRunner{Direct: true}.plan(spec, "/bin/true", nil).Direct)
	assert.True(t, StdProcessRunner{Scope: ScopeTree}.plan(spec, "/bin/true", nil).Tree)
	t.Setenv(NoSpawnerEnvKey, "0")
	assert.False(t, StdProcessRunner{}.plan(spec, "/bin/true", nil).Direct, "0 is not an opt-out")
	t.Setenv(NoSpawnerEnvKey, "1")
	plan = StdProcessRunner{}.plan(spec, "/bin/true", nil)
	assert.True(t, plan.Direct, "environment opt-out")
	assert.Equal(t, NoSpawnerEnvKey+" is set", plan.DirectWhy)
}

func TestSpawnerFallbackWhenItCannotStart(t *testing.T) {
	for _, exe := range []string{"/no/such/spawner", "/bin/true"} {
		spec := helperSpec("spawner-fallback", exe)
		spec.OutputCapBytes = 1 << 20
		outer := mustRun(t, spec)
		require.Equal(t, 0, outer.ExitCode, "%s: stderr: %s", exe, outer.Stderr)
		var got struct {
			Result  RunResult
			Spawner bool
		}
		require.NoError(t, json.Unmarshal(outer.Stdout, &got))
		assert.False(t, got.Spawner, exe)
		assert.Equal(t, 0, got.Result.ExitCode, exe)
		assert.Equal(t, "hi\n", string(got.Result.Stdout), exe)
		assert.Contains(t, got.Result.Notes["spawner"], "started directly: the spawner could not be started", exe)
	}
}

func TestSpawnerExitsWithItsCaller(t *testing.T) {
	res := mustRun(t, helperSpec("spawner-pid"))
	require.Equal(t, 0, res.ExitCode, "stderr: %s", res.Stderr)
	assertGone(t, parsePid(t, res.Stdout))
}

// spawnerChildren lists the pids whose parent is pid.
func spawnerChildren(t *testing.T, pid int) []int {
	t.Helper()
	// Each thread lists the children it started.
	tasks, _ := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/task")
	var pids []int
	for _, task := range tasks {
		data, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/task/" + task.Name() + "/children")
		for _, f := range strings.Fields(string(data)) {
			if p, err := strconv.Atoi(f); err == nil {
				pids = append(pids, p)
			}
		}
	}
	return pids
}

func TestSpawnerKilledMidRun(t *testing.T) {
	spawner.Reset()
	t.Cleanup(func() { spawner.Reset() })
	s := spawner.Live()
	require.NotNil(t, s)
	done := make(chan error, 1)
	start := time.Now()
	go func() {
		_, err := StdProcessRunner{}.Run(context.Background(), helperSpec("sleep", "10s"))
		done <- err
	}()
	var kids []int
	require.Eventually(t, func() bool { kids = spawnerChildren(t, s.Pid()); return len(kids) == 1 },
		5*time.Second, 5*time.Millisecond)
	require.NoError(t, syscall.Kill(s.Pid(), syscall.SIGKILL))
	err := <-done
	require.Error(t, err)
	assert.Contains(t, err.Error(), "spawner")
	assert.Less(t, time.Since(start), 5*time.Second)
	assertGone(t, kids[0])
	// The next run is served by a new spawner.
	res, err := StdProcessRunner{}.Run(context.Background(), helperSpec("exit", "3"))
	require.NoError(t, err)
	assert.Equal(t, 3, res.ExitCode)
	assert.Empty(t, res.Notes["spawner"])
	if s2 := spawner.Live(); assert.NotNil(t, s2) {
		assert.NotEqual(t, s.Pid(), s2.Pid())
	}
}

func TestSpawnerManyConcurrentRuns(t *testing.T) {
	s := spawner.Live()
	require.NotNil(t, s)
	fdDir := "/proc/" + strconv.Itoa(s.Pid()) + "/fd"
	before, err := os.ReadDir(fdDir)
	require.NoError(t, err)
	runner := StdProcessRunner{}
	var wg sync.WaitGroup
	const n = 40
	codes := make([]int, n)
	outs := make([]string, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := runner.Run(context.Background(), helperSpec("echo", strconv.Itoa(i)))
			assert.NoError(t, err)
			codes[i], outs[i] = res.ExitCode, string(res.Stdout)
		}()
	}
	wg.Wait()
	for i := range n {
		assert.Equal(t, 0, codes[i])
		assert.Equal(t, strconv.Itoa(i)+"\n", outs[i])
	}
	assert.Same(t, s, spawner.Live(), "the same spawner served them all")
	// The spawner closes a run's socket just after its reply.
	assert.Eventually(t, func() bool {
		after, err := os.ReadDir(fdDir)
		return err == nil && len(after) == len(before)
	}, 2*time.Second, 10*time.Millisecond, "the spawner leaks no descriptors")
}

// Every rule of the runner holds through the spawner, the default (here
// it must serve throughout).
func TestRunThroughSpawner(t *testing.T) {
	s := spawner.Live()
	require.NotNil(t, s)
	for name, rule := range runnerRules {
		t.Run(name, rule)
	}
	assert.Same(t, s, spawner.Live(), "the spawner served every rule")
}

// Every rule of the runner holds in a direct spawn with a pidfd.
func TestRunDirect(t *testing.T) {
	testHooks.direct = true
	t.Cleanup(func() { testHooks.direct = false })
	for name, rule := range runnerRules {
		t.Run(name, rule)
	}
}

// A request too large for one message is spawned directly.
func TestSpawnerHugeRequestFallsBack(t *testing.T) {
	require.NotNil(t, spawner.Live())
	// One string may not exceed 128 KiB (MAX_ARG_STRLEN): three of 64.
	spec := helperSpec("env", "BIG1", "BIG2", "BIG3")
	for _, k := range []string{"BIG1", "BIG2", "BIG3"} {
		spec.Env = append(spec.Env, EnvVar{Key: k, Value: strings.Repeat("x", 64<<10)})
	}
	res := mustRun(t, spec)
	assert.Equal(t, 0, res.ExitCode)
	assert.Equal(t, uint64Ptr(3*(64<<10+1)), res.StdoutTotalBytes)
	assert.Equal(t, "started directly: the request (argv, environment) is over 128 KiB", res.Notes["spawner"])
	assert.NotNil(t, spawner.Live(), "still served by the spawner afterwards")
}
