package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Every row of the README's hyperfine → perfgate-measure table, run: each
// case names its row (the README must still hold it) and runs what the
// row says with real processes.
func TestREADMEHyperfineTable(t *testing.T) {
	t.Parallel()
	sh := unixTool(t, "sh", "the test runs the README's hyperfine rows as they are written, sh commands, /bin/sh -c and -S sh")
	trueProg := unixTool(t, "true", "the test runs the README's hyperfine rows as they are written, sh commands, /bin/sh -c and -S sh")
	readme := readDoc(t, "README.md")
	dir := t.TempDir()
	file := func(name string) string { return filepath.Join(dir, name) }
	ok := func(t *testing.T, args ...string) outcome {
		t.Helper()
		out := measure(t, args...)
		require.Equal(t, exitOK, out.code, "%v: %s", args, out.stderr)
		return out
	}
	for _, row := range []struct {
		row string
		run func(t *testing.T)
	}{
		{"| `hyperfine 'cmd1' 'cmd2'`, `-N`, `-S bash`, `--shell=none` | the same; `-- prog args...` for one argv without a shell, as `/usr/bin/time` |", func(t *testing.T) {
			for _, tc := range []struct {
				args []string
				argv []string
			}{
				{[]string{"exit 0", ": x"}, []string{"/bin/sh", "-c", "exit 0"}},
				{[]string{"-N", trueProg + " a"}, []string{trueProg, "a"}},
				{[]string{"--shell=none", trueProg + " a"}, []string{trueProg, "a"}},
				{[]string{"-S", sh, "exit 0"}, []string{sh, "-c", "exit 0"}},
				{[]string{"--", trueProg, "a b"}, []string{trueProg, "a b"}},
			} {
				path := file("forms.json")
				ok(t, append([]string{"-r", "1", "--export-json", path}, tc.args...)...)
				assert.Equal(t, tc.argv, readExported(t, path)[0].Argv, "%v", tc.args)
			}
		}},
		{"| `-r -w -m -M -s -p -c -C -u -n` and their long names | the same |", func(t *testing.T) {
			marks := file("marks")
			ok(t, "-w", "1", "-r", "1", "-s", "echo s >>"+marks, "-p", "echo p >>"+marks, "-C", "echo C >>"+marks,
				"-c", "echo c >>"+marks, "-u", "second", "-n", "x", "exit 0")
			ok(t, "--warmup", "1", "--runs", "1", "--setup", "echo s >>"+marks, "--prepare", "echo p >>"+marks,
				"--conclude", "echo C >>"+marks, "--cleanup", "echo c >>"+marks, "--time-unit", "second", "--command-name", "x", "exit 0")
			data, err := os.ReadFile(marks)
			require.NoError(t, err)
			assert.Equal(t, strings.Repeat("s\np\nC\np\nC\nc\n", 2), string(data))
			path := file("mM.json")
			ok(t, "-m", "2", "-M", "2", "--export-json", path, "exit 0")
			assert.Len(t, readExported(t, path)[0].Runs, 2)
			ok(t, "--min-runs", "3", "--max-runs", "3", "--export-json", path, "exit 0")
			assert.Len(t, readExported(t, path)[0].Runs, 3)
		}},
		{"| `--reference CMD`, `--reference-name`, `--time-unit`, `--command-name`, `--output null\\|pipe\\|inherit`, `--show-output` | the same (`--output FILE` is not supported) |", func(t *testing.T) {
			out := ok(t, "-r", "2", "--style", "basic", "-shell-correction=false", "--reference", "exit 0", "--time-unit", "millisecond",
				"--reference-name", "ref", "--command-name", "other", "--output", "null", ": x")
			assert.Regexp(t, `comparison\n  ref ran\n.* than other\n$`, out.stdout)
			for _, mode := range []string{"pipe", "inherit"} {
				ok(t, "-r", "1", "--output", mode, "exit 0")
			}
			ok(t, "-r", "1", "--show-output", "exit 0")
			assert.Equal(t, exitUsage, measure(t, "--output", file("out.txt"), "exit 0").code)
		}},
		{"| `--runs 10`, the automatic count, `--min-runs`, `--max-runs` | the same (`-time-budget 3s` too); the default as hyperfine's in its forms, one run after `--` |", func(t *testing.T) {
			path := file("runs.json")
			ok(t, "--runs", "3", "--export-json", path, "exit 0")
			assert.Len(t, readExported(t, path)[0].Runs, 3)
			ok(t, "-time-budget", "1ns", "--export-json", path, "exit 0")
			assert.Len(t, readExported(t, path)[0].Runs, defaultMinRuns, "automatic: the minimum of 10")
			ok(t, "--export-json", path, "--", trueProg)
			assert.Len(t, readExported(t, path)[0].Runs, 1)
		}},
		{"| `--warmup 2` | the same |", func(t *testing.T) {
			count := file("warm")
			ok(t, "--warmup", "2", "-r", "1", "echo x >>"+count)
			data, err := os.ReadFile(count)
			require.NoError(t, err)
			assert.Equal(t, "x\nx\nx\n", string(data))
		}},
		{"| `--prepare`, `--conclude`, `--setup`, `--cleanup` | the same; always through the shell (`-S`'s), also with `-N` |", func(t *testing.T) {
			marks := file("hooks")
			ok(t, "-N", "-r", "1", "--prepare", "printf p >>"+marks, trueProg)
			data, err := os.ReadFile(marks)
			require.NoError(t, err)
			assert.Equal(t, "p", string(data))
		}},
		{"| `-i` | `-i` (a run that times out or cannot start still stops everything) |", func(t *testing.T) {
			ok(t, "-i", "-r", "2", "exit 3")
			assert.Equal(t, exitFailed, measure(t, "-i", "-r", "1", "-timeout", "50ms", "sleep 5").code)
			assert.Equal(t, exitNotFound, measure(t, "-i", "-r", "1", "--", "perfgate-measure-test-no-such-program").code)
		}},
		{"| `-P n 1 9 -D 4`, `-L cc gcc,clang` | the same, also spelt `-parameter-scan n 1 9 -parameter-step 4`, `-parameter-list cc gcc,clang` |", func(t *testing.T) {
			path := file("params.json")
			for _, args := range [][]string{
				{"-P", "n", "1", "9", "-D", "4"},
				{"-parameter-scan", "n", "1", "9", "-parameter-step", "4"},
				{"--parameter-scan", "n", "1", "9", "--parameter-step-size", "4"},
			} {
				ok(t, append(append([]string{"-r", "1", "--export-json", path}, args...), "exit 0 # {n}")...)
				got := readExported(t, path)
				require.Len(t, got, 3, "%v", args)
				assert.Equal(t, "exit 0 # 9", got[2].Command)
			}
			for _, args := range [][]string{{"-L", "cc", "a,b"}, {"-parameter-list", "cc", "a,b"}} {
				ok(t, append(append([]string{"-r", "1", "--export-json", path}, args...), "exit 0 # {cc}")...)
				assert.Len(t, readExported(t, path), 2, "%v", args)
			}
		}},
		{"| commands through the shell, its start-up subtracted | the same (`-shell-correction=false` keeps it) |", func(t *testing.T) {
			out := ok(t, "-r", "1", "--style", "basic", "exit 0")
			assert.Contains(t, out.stdout, "shell start-up (/bin/sh -c \"\", mean of 50 runs)")
			out = ok(t, "-r", "1", "--style", "basic", "-shell-correction=false", "exit 0")
			assert.NotContains(t, out.stdout, "shell start-up")
		}},
		{"| `--sort`, `--style`, `NO_COLOR` | the same |", func(t *testing.T) {
			out := ok(t, "-r", "2", "-shell-correction=false", "--sort", "command", "--style", "basic", "exit 0", ": x")
			assert.Contains(t, out.stdout, "comparison (mean wall time relative to the fastest)")
			ok(t, "-r", "1", "--sort", "mean-time", "--style", "none", "exit 0")
		}},
		{"| `--export-json`, `--export-markdown`, `--export-csv` | hyperfine's JSON and CSV with more beside (JSON keys of its own; Median, User, System, Max RSS columns in Markdown), every path checked before the first run; `-export-csv-runs` for a row per run |", func(t *testing.T) {
			ok(t, "-r", "2", "--export-json", file("e.json"), "--export-markdown", file("e.md"), "--export-csv", file("e.csv"),
				"-export-csv-runs", file("runs.csv"), "exit 0")
			readHyperfineExport(t, file("e.json"))
			assert.Equal(t, []string{"command", "mean", "stddev", "median", "user", "system", "min", "max"}, readCSV(t, file("e.csv"))[0])
			assert.Len(t, readCSV(t, file("runs.csv")), 3)
			out := measure(t, "-r", "1", "--export-json", filepath.Join(dir, "missing", "x.json"), "echo ran >>"+file("ran"))
			assert.Equal(t, exitFailed, out.code)
			assert.Contains(t, out.stderr, "nothing was run")
			assert.NoFileExists(t, file("ran"))
		}},
		{"| | `-timeout 30s`, `-receipt FILE` (perfgate.run.v1), `-json` (a `RunResult` per line), `-tree` |", func(t *testing.T) {
			out := ok(t, "-timeout", "30s", "-receipt", file("r.json"), "-json", "-r", "1", "-tree", "-cgroup-parent", t.TempDir(), "--", trueProg)
			decodeRun(t, jsonLines(t, out.stdout, 1)[0])
			data, err := os.ReadFile(file("r.json"))
			require.NoError(t, err)
			require.NoError(t, validateReceipt(t, data))
		}},
	} {
		require.True(t, strings.Contains(readme, row.row+"\n"), "the README has lost the row %s", row.row)
		t.Run(strings.SplitN(row.row, "|", 3)[1], row.run)
	}
}
