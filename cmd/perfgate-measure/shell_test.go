package main

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// -shell measures each command string through the shell, in order, and
// says which was faster. A sleep of half a second against a shell builtin
// keeps the order certain on a loaded machine. The shell's start-up is
// kept: subtracted, the builtin's mean could be 0, and no ratio to it.
func TestShellComparison(t *testing.T) {
	t.Parallel()
	unixTool(t, "sleep")
	out := measure(t, "-shell", "-shell-correction=false", "-repeat", "2", "-name", "slow", "sleep 0.5", ":")
	require.Equal(t, exitOK, out.code, out.stderr)
	blocks := strings.Split(out.stdout, "\n\n")
	require.Len(t, blocks, 5, out.stdout)
	assert.Regexp(t, `^command 1/2: slow\n  run 1/2  wall +\d+\.\d{3} ms .*\n  run 2/2  wall `, blocks[0])
	assert.True(t, strings.HasPrefix(blocks[1], "summary of 2 runs: slow\n"), blocks[1])
	assert.Regexp(t, `^command 2/2: :\n  run 1/2  wall `, blocks[2])
	assert.True(t, strings.HasPrefix(blocks[3], "summary of 2 runs: :\n"), blocks[3])
	m := regexp.MustCompile(`^comparison\n  : ran\n    (\d+\.\d\d) ± (\d+\.\d\d) times faster than slow\n$`).
		FindStringSubmatch(blocks[4])
	require.NotNil(t, m, blocks[4])
	var ratio float64
	fmt.Sscan(m[1], &ratio)
	assert.Greater(t, ratio, 1.0)
}

func TestShellJSON(t *testing.T) {
	t.Parallel()
	unixTool(t, "sh")
	out := measure(t, "-shell", "-json", "-warmup", "1", "-repeat", "2", "-name", "one", "exit 0", "echo hi")
	require.Equal(t, exitOK, out.code, out.stderr)
	assert.Empty(t, out.stderr)
	lines := jsonLines(t, out.stdout, 4)
	want := []runKeys{{"one", 1, 1, nil}, {"one", 1, 2, nil}, {"echo hi", 2, 1, nil}, {"echo hi", 2, 2, nil}}
	for i, line := range lines {
		keys, r := decodeRunLine(t, line)
		assert.Equal(t, want[i], keys)
		if keys.Command == 2 {
			assert.Equal(t, "hi\n", string(r.Stdout), "run through the shell")
		}
	}
}

// A failing command stops everything, whichever it is.
func TestShellStopsAtFailure(t *testing.T) {
	t.Parallel()
	unixTool(t, "sh")
	out := measure(t, "-shell", "-repeat", "2", "exit 5", "exit 0")
	assert.Equal(t, exitFailed, out.code)
	assert.NotContains(t, out.stdout, "command 2/2")
	assert.Equal(t, "perfgate-measure: command 1/2 (exit 5), run 1/2: command exited unsuccessfully: "+
		"[/bin/sh -c exit 5]: exit status 5\n"+
		"  -i (--ignore-failure) keeps runs that end with a non-zero exit status in the figures\n"+
		"perfgate-measure: stopped after command 1/2 (exit 5), run 1/2; no summary\n", out.stderr)
}

func TestShellArgv(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "c", shellArgv("c")[len(shellArgv("c"))-1])
}

// A first run much slower than the rest gets hyperfine's warning: here the
// first run sleeps 2 s and leaves a file that makes the others return at
// once, far beyond what machine load can blur. The shell's start-up is
// kept, so that the fast runs draw no warning of their own.
func TestSlowFirstRunWarning(t *testing.T) {
	t.Parallel()
	unixTool(t, "sleep")
	marker := filepath.Join(t.TempDir(), "warm")
	out := measure(t, "-shell", "-shell-correction=false", "-repeat", "6", fmt.Sprintf(`[ -e '%s' ] || { : >'%s'; sleep 2; }`, marker, marker))
	require.Equal(t, exitOK, out.code, out.stderr)
	assert.Regexp(t, `^perfgate-measure: warning: the first run was much slower than the rest \(\d{4,}\.\d{3} ms\); `+
		`caches may have been filled only after it: use -warmup to fill them before measuring\n$`, out.stderr)
	// The first run, above a second, sets the lines' unit.
	assert.Regexp(t, `\n  run 1/6  wall +[2-9]\.\d{3} s  `, out.stdout)
	assert.Regexp(t, `\n  run 2/6  wall +0\.\d{3} s  `, out.stdout)
}
