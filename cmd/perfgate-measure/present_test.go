package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A program that cannot be found exits 127, one that cannot be executed
// 126, as shells and GNU time do; a -cwd that cannot be used is no fault
// of the program: 1.
func TestExitStatusProgramCannotRun(t *testing.T) {
	t.Parallel()
	requireRunner(t)
	dir := t.TempDir()
	notExecutable := filepath.Join(dir, "not-executable")
	require.NoError(t, os.WriteFile(notExecutable, []byte("#!/bin/sh\n"), 0o644))
	badFormat := filepath.Join(dir, "bad-format")
	require.NoError(t, os.WriteFile(badFormat, []byte("neither ELF nor #!\n"), 0o755))
	for _, spawner := range []string{"-spawner=true", "-spawner=false"} {
		for _, tc := range []struct {
			args []string
			want int
		}{
			{[]string{"--", filepath.Join(dir, "missing")}, exitNotFound},
			{[]string{"--", "perfgate-measure-test-no-such-program"}, exitNotFound},
			{[]string{"--", notExecutable}, exitCannotExec},
			{[]string{"--", badFormat}, exitCannotExec},
			{[]string{"--", dir}, exitCannotExec},
			{helperArgs(t, "exit", []string{"-cwd", filepath.Join(dir, "missing")}, "0"), exitFailed},
			{helperArgs(t, "exit", []string{"-cwd", notExecutable}, "0"), exitFailed},
		} {
			out := measure(t, append([]string{spawner}, tc.args...)...)
			assert.Equal(t, tc.want, out.code, "%s %v: %s", spawner, tc.args, out.stderr)
			assert.Empty(t, out.stdout)
			assert.Contains(t, out.stderr, "failed to run command")
		}
	}
}

// Every file to write is checked before the first run: a bad path is
// reported at once, nothing runs (the helper would leave its ready file),
// and no file is left behind.
func TestFilesCheckedBeforeTheFirstRun(t *testing.T) {
	t.Parallel()
	requireRunner(t)
	dir := t.TempDir()
	aFile := filepath.Join(dir, "file")
	require.NoError(t, os.WriteFile(aFile, []byte("kept\n"), 0o644))
	missingDir := filepath.Join(dir, "missing")
	good := filepath.Join(dir, "good.out")
	for _, flag := range []string{"-export-json", "-export-markdown", "-export-csv", "-export-csv-runs", "-receipt"} {
		for _, tc := range []struct{ path, why string }{
			{filepath.Join(missingDir, "x"), "directory " + missingDir + " does not exist"},
			{filepath.Join(aFile, "x"), aFile + " is not a directory"},
			{dir, "it is a directory"},
		} {
			ready := filepath.Join(t.TempDir(), "ready")
			flags := []string{"-env", readyEnvKey + "=" + ready, "-export-json", good, flag, tc.path}
			if flag == "-export-json" {
				flags = []string{"-env", readyEnvKey + "=" + ready, "-export-markdown", good, flag, tc.path}
			}
			out := measure(t, helperArgs(t, "ready-sleep", flags, "0s")...)
			assert.Equal(t, exitFailed, out.code, "%s %s", flag, tc.path)
			assert.Empty(t, out.stdout)
			assert.Equal(t, "perfgate-measure: "+flag+": cannot write "+tc.path+": "+tc.why+"; nothing was run\n", out.stderr)
			assert.NoFileExists(t, ready, "nothing was run")
			assert.NoFileExists(t, good, "the path checked first is not left behind")
		}
	}
	content, err := os.ReadFile(aFile)
	require.NoError(t, err)
	assert.Equal(t, "kept\n", string(content))

	// With several commands each receipt is checked: file-2.json here.
	require.NoError(t, os.Mkdir(filepath.Join(dir, "r-2.json"), 0o755))
	out := measure(t, append(doHelpers, "-shell", "-receipt", filepath.Join(dir, "r.json"),
		helperCommand(t, "echo", "1"), helperCommand(t, "echo", "2"))...)
	assert.Equal(t, exitFailed, out.code)
	assert.Equal(t, "perfgate-measure: -receipt: cannot write "+filepath.Join(dir, "r-2.json")+": it is a directory; nothing was run\n", out.stderr)
	assert.NoFileExists(t, filepath.Join(dir, "r-1.json"))

	// Two flags naming one file: a usage error.
	out = measure(t, "-export-csv", good, "-export-json", filepath.Join(dir, ".", "good.out"), "--", "true")
	assert.Equal(t, exitUsage, out.code)
	assert.Equal(t, "perfgate-measure: -export-json and -export-csv both name "+good+"\n"+
		"usage: perfgate-measure [flags] 'command'... | -- prog [args...]  (see -help)\n", out.stderr)
}

// An existing file is checked without being changed, and a read-only one
// is refused before the first run (root may write it anyway).
func TestFilesCheckExistingFile(t *testing.T) {
	t.Parallel()
	requireRunner(t)
	dir := t.TempDir()
	existing := filepath.Join(dir, "existing.csv")
	require.NoError(t, os.WriteFile(existing, []byte("old\n"), 0o644))
	out := measure(t, append(doHelpers, "-shell", "-export-csv", existing, helperCommand(t, "exit", "3"))...)
	assert.Equal(t, exitFailed, out.code)
	content, err := os.ReadFile(existing)
	require.NoError(t, err)
	assert.Equal(t, "old\n", string(content), "a run that fails writes no file, and the check changes none")

	readOnly := filepath.Join(dir, "read-only.json")
	require.NoError(t, os.WriteFile(readOnly, []byte("old\n"), 0o444))
	// Root may write a read-only file, and so may Wine run by root
	// (os.Geteuid is -1 on Windows): ask the file itself.
	f, denied := os.OpenFile(readOnly, os.O_WRONLY, 0)
	if denied == nil {
		f.Close()
		t.Skip("this user may write a read-only file (root, or Wine run by root)")
	}
	require.ErrorIs(t, denied, fs.ErrPermission)
	out = measure(t, append(doHelpers, "-shell", "-export-json", readOnly, helperCommand(t, "exit", "0"))...)
	assert.Equal(t, exitFailed, out.code)
	assert.Empty(t, out.stdout)
	// The system's words: "open PATH: permission denied" on Unix.
	assert.Equal(t, "perfgate-measure: -export-json: cannot write "+readOnly+": "+denied.Error()+
		"; nothing was run\n", out.stderr)
}

// -export-csv has hyperfine's shape, in seconds: each row is the JSON
// export's summary of the same runs. -export-csv-runs has a row per run.
func TestExportCSVFromRealRuns(t *testing.T) {
	t.Parallel()
	requireRunner(t)
	dir := t.TempDir()
	jsonPath, csvPath, runsPath := filepath.Join(dir, "x.json"), filepath.Join(dir, "x.csv"), filepath.Join(dir, "runs.csv")
	exit0 := helperCommand(t, "exit", "0")
	out := measure(t, append(doHelpers, "-shell", "-repeat", "3", "-name", "echo", "-export-json", jsonPath, "-export-csv", csvPath,
		"-export-csv-runs", runsPath, helperCommand(t, "echo"), exit0)...)
	require.Equal(t, exitOK, out.code, out.stderr)

	// The export's own shape, decoded here so that the test does not
	// lean on the types that write it.
	type summary struct{ Mean, StdDev, Median, Min, Max *float64 }
	var doc struct {
		Results []struct {
			Name    string
			Summary struct {
				Wall   summary `json:"wall_ms"`
				User   summary `json:"user_cpu_ms"`
				System summary `json:"system_cpu_ms"`
			}
		}
	}
	data, err := os.ReadFile(jsonPath)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, &doc))
	require.Len(t, doc.Results, 2)

	rows := readCSV(t, csvPath)
	require.Len(t, rows, 3)
	assert.Equal(t, []string{"command", "mean", "stddev", "median", "user", "system", "min", "max"}, rows[0])
	seconds := func(ms *float64) string {
		require.NotNil(t, ms)
		// To the nanosecond, trailing zeros dropped.
		return strings.TrimSuffix(strings.TrimRight(strconv.FormatFloat(*ms/1000, 'f', 9, 64), "0"), ".")
	}
	for i, r := range doc.Results {
		wall, user, system := r.Summary.Wall, r.Summary.User, r.Summary.System
		assert.Equal(t, []string{r.Name, seconds(wall.Mean), seconds(wall.StdDev), seconds(wall.Median),
			seconds(user.Mean), seconds(system.Mean), seconds(wall.Min), seconds(wall.Max)}, rows[i+1])
	}
	assert.Equal(t, "echo", rows[1][0])
	assert.Equal(t, exit0, rows[2][0])

	runs := readCSV(t, runsPath)
	require.Len(t, runs, 7, "a header and a row per run")
	assert.Equal(t, []string{"command", "name", "run", "wall_ms"}, runs[0][:4])
	assert.Equal(t, []string{"2", exit0, "3"}, runs[6][:3])
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	rows, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	require.NoError(t, err)
	return rows
}

// Not on a terminal there is no colour unless -style asks for it; -style
// none writes nothing but errors. The slow command sleeps 2 s more than
// the fast one: no load (nor Wine's start-ups) reorders them.
func TestStyleWithoutTerminal(t *testing.T) {
	t.Parallel()
	requireRunner(t)
	cmds := append(doHelpers, "-repeat", "2", "-name", "fast", "-name", "slow",
		helperCommand(t, "exit", "0"), helperCommand(t, "sleep", "2s"))
	// Each style a subtest of its own, run side by side: the runs mostly
	// sleep, and five in a row took 25 s (50 s under -race).
	for _, style := range []string{"auto", "basic", "nocolor"} {
		t.Run(style, func(t *testing.T) {
			t.Parallel()
			out := measure(t, append([]string{"-shell", "-shell-correction=false", "-style", style}, cmds...)...)
			require.Equal(t, exitOK, out.code, out.stderr)
			assert.NotContains(t, out.stdout+out.stderr, "\x1b[")
			assert.Contains(t, out.stdout, "summary of 2 runs: fast\n")
		})
	}
	for _, style := range []string{"color", "full"} {
		t.Run(style, func(t *testing.T) {
			t.Parallel()
			out := measure(t, append([]string{"-shell", "-shell-correction=false", "-style", style}, cmds...)...)
			require.Equal(t, exitOK, out.code, out.stderr)
			assert.True(t, strings.HasPrefix(out.stdout, "command 1/2: \x1b[1mfast\x1b[0m\n"))
			assert.Contains(t, out.stdout, "\nsummary of 2 runs: \x1b[1mslow\x1b[0m\n")
			assert.Regexp(t, "\n  wall +\x1b\\[1;32m\\d+\\.\\d{3} m?s\x1b\\[0m ± +\x1b\\[32m", out.stdout)
			assert.Contains(t, out.stdout, "\n\x1b[1mcomparison\x1b[0m\n  \x1b[1;36mfast\x1b[0m ran\n    \x1b[1;32m")
			assert.Contains(t, out.stdout, " times faster than \x1b[35mslow\x1b[0m\n")
		})
	}

	out := measure(t, append([]string{"-shell", "-shell-correction=false", "-style", "none"}, cmds...)...)
	assert.Equal(t, outcome{code: exitOK}, out, "nothing but errors")
	exit4 := helperCommand(t, "exit", "4")
	out = measure(t, append(doHelpers, "-shell", "-style", "none", exit4)...)
	assert.Equal(t, exitFailed, out.code)
	assert.Empty(t, out.stdout)
	assert.Equal(t, "perfgate-measure: run 1/1: command exited unsuccessfully: "+fmt.Sprint(shellArgv(exit4))+": exit status 4\n"+
		"  -i (--ignore-failure) keeps runs that end with a non-zero exit status in the figures\n", out.stderr)
}

func TestStyleUsageErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-style", "loud", "--", "true"}, `invalid value "loud" for flag -style: want auto, full, basic, nocolor, color or none`},
		{[]string{"-style", "none", "-json", "--", "true"}, "-style none would hide the -json lines; drop one of them"},
	} {
		out := measure(t, tc.args...)
		assert.Equal(t, exitUsage, out.code)
		assert.Equal(t, "perfgate-measure: "+tc.want+"\nusage: perfgate-measure [flags] 'command'... | -- prog [args...]  (see -help)\n", out.stderr)
	}
}

// Warnings are yellow when stderr gets colour.
func TestWarningColour(t *testing.T) {
	t.Parallel()
	walls := []float64{900, 100, 101, 99, 100, 100}
	for _, tc := range []struct {
		out  presentation
		want string
	}{
		{presentation{colourErr: true}, "perfgate-measure: \x1b[1;33mwarning:\x1b[0m the first run"},
		{presentation{}, "perfgate-measure: warning: the first run"},
	} {
		var stderr bytes.Buffer
		s := &session{o: options{repeat: len(walls)}, stdout: new(bytes.Buffer), stderr: &stderr, out: tc.out}
		s.benches = []benchmark{{number: 1, label: "x"}}
		s.writeSummary(&measurement{bench: &s.benches[0], runs: runsWithWalls(walls...)})
		assert.True(t, strings.HasPrefix(stderr.String(), tc.want), stderr.String())
	}
}
