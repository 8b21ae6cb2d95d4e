package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// exportedRuns reads an -export-json file: each result's argv and the
// stdout sizes of its runs.
type exportedCommand struct {
	Command string
	Argv    []string
	Runs    []struct {
		StdoutTotalBytes *uint64 `json:"stdout_total_bytes"`
		MaxRSSKB         *uint64 `json:"max_rss_kb"`
		ExitCode         int     `json:"exit_code"`
	}
	RelativeSpeed *relative `json:"relative_speed"`
}

func readExported(t *testing.T, path string) []exportedCommand {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var doc struct{ Results []exportedCommand }
	require.NoError(t, json.Unmarshal(data, &doc))
	return doc.Results
}

// quoted is path as one word for the shell.
func quoted(path string) string { return "'" + path + "'" }

// hyperfine's forms: each argument a command string, through the shell,
// or with -N (--shell=none) split into words; -S (--shell) picks the
// shell; flags before, between and after the commands; "-- prog args"
// stays one argv without a shell.
func TestHyperfineCommandForms(t *testing.T) {
	t.Parallel()
	sh := unixTool(t, "sh", "the test is of hyperfine's shell forms: command strings through /bin/sh -c, and -S sh")
	exe, err := os.Executable()
	require.NoError(t, err)
	env := []string{"-env", helperEnvKey + "=write", "--output", "pipe"}
	for _, tc := range []struct {
		name  string
		args  []string
		argvs [][]string
	}{
		{"strings through the shell", []string{"-r", "2", quoted(exe) + " 3 4", quoted(exe) + " 5 0"},
			[][]string{{"/bin/sh", "-c", quoted(exe) + " 3 4"}, {"/bin/sh", "-c", quoted(exe) + " 5 0"}}},
		{"-N splits into words", []string{"-N", "--runs", "2", quoted(exe) + ` "3" 4`, exe + " 5 0"},
			[][]string{{exe, "3", "4"}, {exe, "5", "0"}}},
		{"--shell=none is -N", []string{"--shell=none", "-r", "2", exe + " 3 4"}, [][]string{{exe, "3", "4"}}},
		{"-S picks the shell", []string{"-S", sh, "-r", "2", quoted(exe) + " 3 4"}, [][]string{{sh, "-c", quoted(exe) + " 3 4"}}},
		{"--shell SHELL is -S", []string{"--shell", sh, "-r", "2", quoted(exe) + " 3 4"}, [][]string{{sh, "-c", quoted(exe) + " 3 4"}}},
		{"flags after the commands", []string{quoted(exe) + " 3 4", "--runs", "2", "--warmup", "1"},
			[][]string{{"/bin/sh", "-c", quoted(exe) + " 3 4"}}},
		{"one argv after --", []string{"-r", "2", "--", exe, "3", "4"}, [][]string{{exe, "3", "4"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "x.json")
			args := append(append(append([]string{}, env...), "--export-json", path), tc.args...)
			out := measure(t, args...)
			require.Equal(t, exitOK, out.code, out.stderr)
			results := readExported(t, path)
			require.Len(t, results, len(tc.argvs))
			for i, r := range results {
				assert.Equal(t, tc.argvs[i], r.Argv)
				require.Len(t, r.Runs, 2)
				require.NotNil(t, r.Runs[0].StdoutTotalBytes, "--output pipe captures")
				assert.Equal(t, uint64(3+2*i), *r.Runs[0].StdoutTotalBytes)
			}
		})
	}
}

// The first example: a command string is no longer a program
// name (exit 127, "program not found: sleep 0.1").
func TestCommandStringIsNotAProgram(t *testing.T) {
	t.Parallel()
	unixTool(t, "sleep", "the test is that a command string runs through /bin/sh, not as a program's name (sleep 0.01)")
	out := measure(t, "--runs", "1", "--style", "basic", "sleep 0.01")
	require.Equal(t, exitOK, out.code, out.stderr)
	assert.Contains(t, out.stdout, "sleep 0.01")
}

// hyperfine's long and short names of the flags this program has, read
// with hyperfine's meanings.
func TestHyperfineFlagNames(t *testing.T) {
	t.Parallel()
	requireRunner(t)
	dir := t.TempDir()
	mark := filepath.Join(dir, "marks")
	path := filepath.Join(dir, "x.json")
	out := measure(t, append(doHelpers, "-w", "1", "-r", "2", "-s", logTo(t, mark, "s"), "-p", logTo(t, mark, "p"),
		"-C", logTo(t, mark, "C"), "-c", logTo(t, mark, "c"), "-n", "named", "--command-name", "other",
		"-i", "-P", "n", "1", "2", "-D", "1", "-u", "second", "--sort", "command", "--style", "basic", "-shell-correction=false",
		"--export-json", path, helperCommand(t, "exit", "{n}"), helperCommand(t, "exit", "0"))...)
	require.Equal(t, exitOK, out.code, out.stderr)
	data, err := os.ReadFile(mark)
	require.NoError(t, err)
	// Per benchmark: setup, 3 × (prepare, conclude), cleanup; 4 benchmarks.
	assert.Equal(t, strings.Repeat("s\n"+strings.Repeat("p\nC\n", 3)+"c\n", 4), string(data))
	results := readExported(t, path)
	require.Len(t, results, 4)
	assert.Equal(t, []string{"named", "other", "named", "other"},
		[]string{results[0].Command, results[1].Command, results[2].Command, results[3].Command})
	assert.Equal(t, 1, results[0].Runs[0].ExitCode, "-i kept the failing runs")
	assert.Regexp(t, `\n  wall +\d+\.\d{3} s ±`, out.stdout, "-u second")
	assert.Contains(t, out.stdout, "comparison (mean wall time relative to the fastest)", "--sort command")

	// -L, --parameter-list, and the microsecond unit.
	out = measure(t, append(doHelpers, "-r", "2", "-u", "microsecond", "--style", "basic", "-L", "v", "0,0", helperCommand(t, "exit", "{v}"))...)
	require.Equal(t, exitOK, out.code, out.stderr)
	assert.Regexp(t, `\n  wall +\d+\.\d{3} µs ±`, out.stdout)
}

// --reference: benchmarked first and compared with every other command,
// which hyperfine words as "n times faster" or "n times slower".
func TestReference(t *testing.T) {
	t.Parallel()
	requireRunner(t)
	path := filepath.Join(t.TempDir(), "x.json")
	reference := helperCommand(t, "exit", "0")
	out := measure(t, append(doHelpers, "-r", "3", "--style", "basic", "-shell-correction=false", "--export-json", path,
		"--reference", reference, helperCommand(t, "echo", "1"), helperCommand(t, "echo", "2"))...)
	require.Equal(t, exitOK, out.code, out.stderr)
	// The others in order of their means, which only the load decides.
	line := `    \d+\.\d\d ± \d+\.\d\d times (faster|slower) than ` + regexp.QuoteMeta(helperCommand(t, "echo")) + ` [12]\n`
	assert.Regexp(t, `comparison\n  `+regexp.QuoteMeta(reference)+` ran\n`+line+line+`$`, out.stdout)
	results := readExported(t, path)
	require.Len(t, results, 3)
	assert.Equal(t, reference, results[0].Command)
	for i, r := range results {
		require.NotNil(t, r.RelativeSpeed)
		assert.Equal(t, i == 0, r.RelativeSpeed.Reference)
	}
}

// An unknown flag names the closest one; the forms that cannot go
// together are usage errors.
func TestFormUsageErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"misspelt long flag", []string{"--rnus", "3", "true"}, "unknown flag -rnus; did you mean -runs?"},
		{"misspelt export", []string{"--export-jsno", "x", "true"}, "unknown flag -export-jsno; did you mean -export-json?"},
		{"nothing close", []string{"--zzzzzzzzzz", "true"}, "unknown flag -zzzzzzzzzz"},
		{"-N and -shell", []string{"-N", "-shell", "true"}, "-shell and -N (no shell) cannot be combined"},
		{"-N and -S", []string{"-N", "-S", "bash", "true"}, "-S and -N (no shell) cannot be combined"},
		{"unclosed quote with -N", []string{"-N", "echo 'a"}, `command 1, "echo 'a": a ' is not closed`},
		{"strings and --", []string{"true", "--", "prog"}, `"true" before "--": give the commands as strings (hyperfine's form) or one program after "--", not both`},
		{"reference with --", []string{"--reference", "true", "--", "prog"}, `-reference needs the commands as strings, not after "--"`},
		{"bad time unit", []string{"-u", "hour", "true"}, `-time-unit wants microsecond, millisecond or second, not "hour"`},
		{"output to a file", []string{"--output", "out.txt", "true"}, `invalid value "out.txt" for flag -output: want capture, inherit or discard ` +
			`(or hyperfine's null, pipe, inherit; hyperfine's --output=FILE is not supported: use -output inherit and redirect)`},
	} {
		t.Run(tc.name, func(t *testing.T) { assertUsageError(t, tc.args, tc.want) })
	}
}

func TestSplitWords(t *testing.T) {
	t.Parallel()
	for in, want := range map[string][]string{
		`a b  c`:             {"a", "b", "c"},
		`'a b' "c d" e\ f`:   {"a b", "c d", "e f"},
		`"a \"b\" \$x \n"`:   {`a "b" $x \n`},
		`x'y'"z"`:            {"xyz"},
		`''`:                 {""},
		"gzip -c -{level} x": {"gzip", "-c", "-{level}", "x"},
	} {
		got, err := splitWords(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
}

// hyperfine's defaults in hyperfine's forms: the commands' output goes to
// the null device; "-- prog" keeps capturing it (and counting it).
func TestHyperfineFormOutputToNull(t *testing.T) {
	t.Parallel()
	requireRunner(t)
	exe := helperExe(t)
	// The helper as a command string for the platform's shell, and as -N's
	// words (quoted: a Windows path's \ would escape).
	command := helperCommand(t)
	// No shell start-up correction: what is tested is where the output
	// goes, and measuring the shell's start-up took 20 s under Wine.
	env := []string{"-env", helperEnvKey + "=stdout-is-null", "-shell-correction=false"}
	for _, tc := range []struct {
		name string
		args []string
		code int
	}{
		{"command string", []string{"-r", "1", command}, exitOK},
		{"-N", []string{"-N", "-r", "1", quoted(exe)}, exitOK},
		{"explicit pipe", []string{"--output", "pipe", "-r", "1", command}, exitFailed},
		{"-- prog", []string{"-r", "1", "--", exe}, exitFailed},
		{"-shell keeps its default", []string{"-shell", "-r", "1", command}, exitFailed},
	} {
		out := measure(t, append(append([]string{}, env...), tc.args...)...)
		assert.Equal(t, tc.code, out.code, "%s: %s", tc.name, out.stderr)
	}
}

// hyperfine's defaults in hyperfine's forms: an automatic run count (at
// least 10 runs, a 3 s budget) and the summary without a line per run;
// -verbose shows the runs. An automatic count in "-- prog" form hides
// the runs too (it printed 1,756 lines for true). The commands are the
// helpers in -N's words, hyperfine's form without a shell.
func TestHyperfineFormRunsAndSummary(t *testing.T) {
	t.Parallel()
	requireRunner(t)
	helper := func(name string) []string { return []string{"-env", helperEnvKey + "=" + name, "-N"} }
	path := filepath.Join(t.TempDir(), "x.json")
	// 0.35 s a run: 3 s fits 8, so the minimum of 10 decides.
	sleep := quoted(helperExe(t)) + " 350ms"
	out := measure(t, append(helper("sleep"), "--style", "basic", "--export-json", path, sleep)...)
	require.Equal(t, exitOK, out.code, out.stderr)
	results := readExported(t, path)
	require.Len(t, results, 1)
	assert.Len(t, results[0].Runs, defaultMinRuns)
	assert.NotContains(t, out.stdout, "run 1/")
	assert.Contains(t, out.stdout, "summary of 10 runs: "+sleep+"\n")

	exit0 := quoted(helperExe(t)) + " 0"
	out = measure(t, append(helper("exit"), "--style", "basic", "-r", "2", "-verbose", exit0)...)
	require.Equal(t, exitOK, out.code, out.stderr)
	assert.Regexp(t, `command: `+regexp.QuoteMeta(exit0)+`\n  run 1/2  wall .*\n  run 2/2  wall .*\n\nsummary of 2 runs: `+
		regexp.QuoteMeta(exit0)+`\n`, out.stdout)

	out = measure(t, append(helper("exit"), "--style", "basic", "-r", "1", exit0)...)
	require.Equal(t, exitOK, out.code, out.stderr)
	assert.Contains(t, out.stdout, "summary of 1 run: "+exit0+"\n", "a summary, not a run's table")
	assert.NotContains(t, out.stdout, "timed out")

	out = measure(t, helperArgs(t, "exit", []string{"-style", "basic", "-runs", "auto", "-time-budget", "1ns"}, "0")...)
	require.Equal(t, exitOK, out.code, out.stderr)
	assert.NotContains(t, out.stdout, "run 1/")
	assert.Equal(t, 1, strings.Count(out.stdout, "summary of 10 runs"))
	assert.Less(t, strings.Count(out.stdout, "\n"), 10, out.stdout)
}

// A failing command: which exit status, the end of its stderr when it was
// captured, and the hints hyperfine gives (-i, --show-output).
func TestFailureShowsStderrAndHints(t *testing.T) {
	t.Parallel()
	requireRunner(t)
	// "line 1" to "line 12" on stderr, then exit 2.
	out := measure(t, helperArgs(t, "stderr-lines", nil, "12", "2")...)
	assert.Equal(t, exitFailed, out.code)
	assert.Contains(t, out.stderr, "exit status 2\n  line 3\n  line 4\n")
	assert.Contains(t, out.stderr, "\n  line 12\n  -i (--ignore-failure) keeps runs that end with a non-zero exit status in the figures\n")
	assert.NotContains(t, out.stderr, "line 2\n", "the last 10 lines only")

	// hyperfine's form: the output went to the null device, and the
	// message says how to see it.
	helper := []string{"-env", helperEnvKey + "=stderr-lines", "-N"}
	script := quoted(helperExe(t)) + " 12 2"
	out = measure(t, append(helper, "-r", "2", script)...)
	assert.Equal(t, exitFailed, out.code)
	assert.Contains(t, out.stderr, "exit status 2\n  -i (--ignore-failure)")
	assert.Contains(t, out.stderr, "\n  its output went to the null device: --show-output lets it through, "+
		"-output capture shows the end of its stderr here\n")
	assert.NotContains(t, out.stderr, "line 12")
	out = measure(t, append(helper, "-r", "2", "--output", "pipe", script)...)
	assert.Contains(t, out.stderr, "exit status 2\n  line 3\n")

	// With -i=1 the status 2 is not ignored: no -i hint, the reason.
	out = measure(t, append(helper, "-r", "2", "-i=1", "-output", "capture", script)...)
	assert.Equal(t, exitFailed, out.code)
	assert.Contains(t, out.stderr, "(not among the exit statuses -i=1 ignores)\n  line 3\n")
	assert.NotContains(t, out.stderr, "-i (--ignore-failure) keeps")
}
