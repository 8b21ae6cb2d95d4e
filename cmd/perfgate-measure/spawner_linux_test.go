package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Peak memory on Linux, with real processes: /bin/true (about 1 MiB)
// peaks far above the spawner's few tens of KiB, so through the spawner,
// the default, it gets its own figure on every run; spawned directly it
// peaks below this test process, so its peak is withheld and what is
// shown says which floor it is below.

var (
	figureLine = regexp.MustCompile(`^  run \d/3  wall .*  max rss \d+(\.\d+)? [KM]iB$`)
	boundLine  = regexp.MustCompile(`^  run \d/3  wall .*  max rss ≤ \d+(\.\d)? [KMG]iB$`)
)

func TestSpawnerByDefault(t *testing.T) {
	t.Parallel()
	trueProg := unixTool(t, "true", "this file's tests run on Linux only")
	out := measure(t, "-repeat", "3", "--", trueProg)
	require.Equal(t, exitOK, out.code, out.stderr)
	for _, line := range strings.Split(out.stdout, "\n")[1:4] {
		assert.Regexp(t, figureLine, line, "/bin/true's own figure on every run")
	}
	assert.NotContains(t, out.stdout, "≤", "nothing withheld")
	out = measure(t, "-json", "--", trueProg)
	require.Equal(t, exitOK, out.code, out.stderr)
	r := decodeRun(t, jsonLines(t, out.stdout, 1)[0])
	require.NotNil(t, r.MaxRSSKB, "notes: %v", r.Notes)
	assert.Less(t, *r.MaxRSSKB, uint64(4<<10), "/bin/true's own peak, not this process's")
	assert.Nil(t, r.MaxRSSAtMostKB)

	// In a user's words, pointing to the docs (issue 20).
	const floor = "(too small to measure without the spawner, see docs/spawner.md)"
	out = measure(t, "-spawner=false", "-repeat", "3", "--", trueProg)
	require.Equal(t, exitOK, out.code, out.stderr)
	for _, line := range strings.Split(out.stdout, "\n")[1:4] {
		assert.Regexp(t, boundLine, line, "-spawner=false: a short bound per run, no reason")
	}
	assert.Equal(t, 1, strings.Count(out.stdout, floor), "the floor once, in the summary: %s", out.stdout)
	assert.Regexp(t, `\n  max rss  ≤ \d+(\.\d)? [KMG]iB `+regexp.QuoteMeta(floor)+` +0\n`, out.stdout)
	assert.NotContains(t, out.stdout, "withheld", "not the library's long reason")
	out = measure(t, "-spawner=false", "-json", "--", trueProg)
	require.Equal(t, exitOK, out.code, out.stderr)
	r = decodeRun(t, jsonLines(t, out.stdout, 1)[0])
	assert.Nil(t, r.MaxRSSKB)
	require.NotNil(t, r.MaxRSSAtMostKB, "JSON keeps the library's bound")
	assert.Contains(t, r.Notes["max_rss_kb"], "withheld")
	assert.NotContains(t, r.Notes["spawner"], "started directly")
}

// The spawner gives a command smaller than the measuring process its own
// peak: a test process holding 64 MiB more than it needs measures a
// 16 MiB child through it, and directly gets only a bound.
func TestSpawnerMeasuresSmallerChild(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates 64 MiB")
	}
	requireRunner(t)
	ballast := make([]byte, 64<<20)
	for i := 0; i < len(ballast); i += 4096 {
		ballast[i] = 1
	}
	out := measure(t, helperArgs(t, "alloc", []string{"-json"}, "16")...)
	require.Equal(t, exitOK, out.code, out.stderr)
	r := decodeRun(t, jsonLines(t, out.stdout, 1)[0])
	require.NotNil(t, r.MaxRSSKB, "measured through the spawner: %v", r.Notes)
	assert.Greater(t, *r.MaxRSSKB, uint64(16<<10))
	out = measure(t, helperArgs(t, "alloc", []string{"-json", "-spawner=false"}, "16")...)
	require.Equal(t, exitOK, out.code, out.stderr)
	r = decodeRun(t, jsonLines(t, out.stdout, 1)[0])
	assert.Nil(t, r.MaxRSSKB, "below this process's 64 MiB")
	assert.NotNil(t, r.MaxRSSAtMostKB)
	ballast[0]++ // keep it alive to here
}

// -tree in text mode says why peak memory is missing, as process scope
// does (a plain directory as -cgroup-parent forces the process figures,
// spawned directly).
func TestTreeScopeSaysWhyRSSIsMissing(t *testing.T) {
	t.Parallel()
	trueProg := unixTool(t, "true", "this file's tests run on Linux only")
	out := measure(t, "-tree", "-cgroup-parent", t.TempDir(), "--", trueProg)
	require.Equal(t, exitOK, out.code, out.stderr)
	assert.Regexp(t, `\n  max rss       ≤ \d+(\.\d)? [KMG]iB \(too small to measure without the spawner, see docs/spawner.md\)\n`, out.stdout)
	out = measure(t, "-tree", "-cgroup-parent", t.TempDir(), "-repeat", "2", "--", trueProg)
	require.Equal(t, exitOK, out.code, out.stderr)
	assert.Regexp(t, `\n  max rss  ≤ \d+(\.\d)? [KMG]iB \(too small to measure without the spawner, see docs/spawner.md\) +0\n`, out.stdout)
}

// The command's own peak memory does not grow with the runs where it is
// the floor of the children's (spawning directly): it keeps each run's
// figures only, never its output, and collects its garbage between runs.
// It ran 10 and 300 runs of a command writing 8 KiB (the default cap)
// apart by 5 MiB before; the bound here is loose, for a test that must
// not be flaky, but far below that.
func TestOwnMemoryDoesNotGrowPerRun(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("runs 310 commands; the race detector's memory is another matter")
	}
	requireRunner(t)
	peak := func(runs int) uint64 {
		return reportedPeakKiB(t, helperArgs(t, "write", []string{"-spawner=false", "-repeat", strconv.Itoa(runs)}, "8192", "0"))
	}
	few, many := peak(10), peak(300)
	t.Logf("VmHWM after 10 runs %d KiB, after 300 runs %d KiB", few, many)
	assert.Less(t, int64(many)-int64(few), int64(1536), "KiB")
}

// -export-output alone puts the captured output in the files.
func TestExportOutput(t *testing.T) {
	t.Parallel()
	requireRunner(t)
	dir := t.TempDir()
	for _, keep := range []bool{false, true} {
		export, receipt := filepath.Join(dir, "e.json"), filepath.Join(dir, "r.json")
		flags := []string{"-repeat", "2", "-export-json", export, "-receipt", receipt}
		if keep {
			flags = append(flags, "-export-output")
		}
		out := measure(t, helperArgs(t, "write", flags, "5", "3")...)
		require.Equal(t, exitOK, out.code, out.stderr)
		for _, path := range []string{export, receipt} {
			data, err := os.ReadFile(path)
			require.NoError(t, err)
			var compact bytes.Buffer
			require.NoError(t, json.Compact(&compact, data))
			want := 0
			if keep {
				want = 2
			}
			assert.Equal(t, want, strings.Count(compact.String(), `"stdout":"ooooo"`), "%s: %s", path, compact.String())
			assert.Equal(t, want, strings.Count(compact.String(), `"stderr":"eee"`), "%s", path)
			assert.Equal(t, 2, strings.Count(compact.String(), `"stdout_total_bytes":5`), "%s: the sizes always", path)
		}
		require.NoError(t, validateReceipt(t, mustRead(t, receipt)))
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	return data
}

// -export-output keeps the runs' output on disk, not in memory: 3 runs of
// 16 MiB of output reached 0.8-1.1 GiB (425 MiB on the development VM),
// growing by far more than 16 MiB a run. Now one run's output is in
// memory at a time: 9 runs peak within 3 runs' output of 3 runs.
func TestExportOutputMemory(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector's memory is another matter")
	}
	t.Parallel()
	requireRunner(t)
	const size = 16 << 20
	peak := func(runs int) uint64 {
		export := filepath.Join(t.TempDir(), "e.json")
		kib := reportedPeakKiB(t, helperArgs(t, "write", []string{"-repeat", strconv.Itoa(runs), "-output-cap", strconv.Itoa(size),
			"-export-output", "-export-json", export}, strconv.Itoa(size), "0"))
		info, err := os.Stat(export)
		require.NoError(t, err)
		assert.Greater(t, info.Size(), int64(runs*size), "every run's output is in the export")
		return kib
	}
	few, many := peak(3), peak(9)
	t.Logf("VmHWM with 3 runs %d KiB, with 9 runs %d KiB", few, many)
	assert.Less(t, int64(many)-int64(few), int64(3*size/1024), "KiB")
}

// reportedPeakKiB runs perfgate-measure (this test binary in CLI mode) with args
// and returns the VmHWM it reports of itself at its end
// (debugPeakEnvKey).
func reportedPeakKiB(t *testing.T, args []string) uint64 {
	t.Helper()
	exe, err := os.Executable()
	require.NoError(t, err)
	cmd := exec.Command(exe, args...)
	cmd.Env = append(os.Environ(), cliEnvKey+"=1", debugPeakEnvKey+"=1")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Run(), stderr.String())
	m := regexp.MustCompile(`perfgate-measure: debug: VmHWM (\d+) KiB\n$`).FindStringSubmatch(stderr.String())
	require.NotNil(t, m, stderr.String())
	kib, err := strconv.ParseUint(m[1], 10, 64)
	require.NoError(t, err)
	return kib
}
