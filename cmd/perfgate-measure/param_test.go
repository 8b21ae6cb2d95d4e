package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestScanValues(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		lo, hi, step string
		want         []string
	}{
		{"1", "3", "", []string{"1", "2", "3"}},
		{"1", "7", "3", []string{"1", "4", "7"}}, // hyperfine's test_parameter_scan_commands_int
		{"0", "10", "3", []string{"0", "3", "6", "9"}},
		{"-2", "1", "", []string{"-2", "-1", "0", "1"}},
		{"5", "5", "", []string{"5"}},
		{"0", "1", "0.33", []string{"0.00", "0.33", "0.66", "0.99"}},
		{"1", "2", "0.5", []string{"1.0", "1.5", "2.0"}},
		{"0.3", "0.7", "0.2", []string{"0.3", "0.5", "0.7"}}, // hyperfine's -D example
		{"-0.5", "0.5", "0.25", []string{"-0.50", "-0.25", "0.00", "0.25", "0.50"}},
		{"0", "1", "0.1", []string{"0.0", "0.1", "0.2", "0.3", "0.4", "0.5", "0.6", "0.7", "0.8", "0.9", "1.0"}},
		{"1", "2.25", "0.5", []string{"1.0", "1.5", "2.0"}},
	} {
		got, err := scanValues(tc.lo, tc.hi, tc.step)
		require.NoError(t, err, "%s %s %s", tc.lo, tc.hi, tc.step)
		assert.Equal(t, tc.want, got, "%s %s %s", tc.lo, tc.hi, tc.step)
	}
	for _, tc := range []struct{ lo, hi, step, want string }{
		{"3", "1", "", "MIN 3 is above MAX 1"},
		{"1", "3", "0", "-parameter-step must be above 0, not 0"},
		{"1", "3", "-1", "-parameter-step must be above 0, not -1"},
		{"1", "3", "0.0", "-parameter-step must be above 0, not 0.0"},
		{"a", "3", "", `MIN "a" is not a number`},
		{"1", "3x", "", `MAX "3x" is not a number`},
		{"1", "3", "1e3", `-parameter-step "1e3" is not a number`},
		{"1.5", "3", "", "decimal bounds need -parameter-step"},
		{"0", "100000", "", "more than 100000 values"},
		{"0", "1", "0.00001", "more than 100000 values"},
		{"1", "99999999999999", "0.01", "too many digits: at most 15 in each number at the most decimals given"},
		{"--1", "3", "", `MIN "--1" is not a number`},
		{".5", "3", "", `MIN ".5" is not a number`},
	} {
		_, err := scanValues(tc.lo, tc.hi, tc.step)
		assert.EqualError(t, err, tc.want, "%s %s %s", tc.lo, tc.hi, tc.step)
	}
	got, err := scanValues("0", "99999", "")
	require.NoError(t, err)
	assert.Len(t, got, 100000, "hyperfine's limit is reached, not passed")
}

func TestTokenizeList(t *testing.T) {
	t.Parallel()
	assert.Equal(t, []string{"a", "b", "c"}, tokenizeList("a,b,c"))
	assert.Equal(t, []string{"hello, world!"}, tokenizeList(`hello\, world!`))
	assert.Equal(t, []string{`a\b`, `c\`, ""}, tokenizeList(`a\\b,c\\,`), "an escaped backslash, then a comma")
	assert.Equal(t, []string{"", "x", ""}, tokenizeList(",x,"))
	assert.Equal(t, []string{`\n`}, tokenizeList(`\n`), "other backslashes stay")
}

func TestSubstitute(t *testing.T) {
	t.Parallel()
	params := []param{{"foo", "{bar} baz"}, {"bar", "quux"}}
	// hyperfine's test_get_command_line_nonoverlapping
	assert.Equal(t, "echo {bar} baz quux", substitute("echo {foo} {bar}", params))
	assert.Equal(t, "{x} {foo {bar quux}", substitute("{x} {foo {bar {bar}}", params), "unknown or unclosed stay")
	assert.Equal(t, "quuxquux", substitute("{bar}{bar}", params))
	assert.Equal(t, "{bar}", substitute("{bar}", nil))
}

func TestParamSetsOrder(t *testing.T) {
	t.Parallel()
	sets := paramSets([]paramAxis{{"a", []string{"1", "2"}}, {"b", []string{"x", "y", "z"}}})
	var got []string
	for _, set := range sets {
		got = append(got, set[0].value+set[1].value)
	}
	assert.Equal(t, []string{"1x", "2x", "1y", "2y", "1z", "2z"}, got, "the first parameter varies fastest")
	assert.Equal(t, [][]param{nil}, paramSets(nil))
}

// A scan without -shell replaces {n} in the argv: the helper writes n
// bytes, one benchmark per value, in order, each labelled by its command.
func TestParameterScanArgv(t *testing.T) {
	t.Parallel()
	requireRunner(t)
	args := helperArgs(t, "write", []string{"-json", "-repeat", "2", "-parameter-scan", "n", "1", "3"}, "{n}", "0")
	out := measure(t, args...)
	require.Equal(t, exitOK, out.code, out.stderr)
	lines := jsonLines(t, out.stdout, 6)
	exe := args[len(args)-3]
	for i, line := range lines {
		keys, r := decodeRunLine(t, line)
		n := i/2 + 1
		assert.Equal(t, runKeys{Name: commandLine([]string{exe, strconv.Itoa(n), "0"}), Command: n, Run: i%2 + 1,
			Parameters: map[string]string{"n": strconv.Itoa(n)}}, keys)
		require.NotNil(t, r.StdoutTotalBytes)
		assert.Equal(t, uint64(n), *r.StdoutTotalBytes)
	}
}

// A decimal step: the values are exact, and -name is a template.
func TestParameterScanDecimal(t *testing.T) {
	t.Parallel()
	requireRunner(t)
	out := measure(t, append(doHelpers, "-shell", "-json", "-name", "x={x}", "-parameter-scan", "x", "0", "1", "-parameter-step", "0.5",
		helperCommand(t, "echo", "{x}"))...)
	require.Equal(t, exitOK, out.code, out.stderr)
	for i, line := range jsonLines(t, out.stdout, 3) {
		keys, r := decodeRunLine(t, line)
		x := []string{"0.0", "0.5", "1.0"}[i]
		assert.Equal(t, runKeys{Name: "x=" + x, Command: i + 1, Run: 1, Parameters: map[string]string{"x": x}}, keys)
		assert.Equal(t, x+"\n", string(r.Stdout))
	}
}

// Two lists make every combination, in hyperfine's order (the command
// fastest, then the first list); a label without a parameter says its
// value.
func TestParameterLists(t *testing.T) {
	t.Parallel()
	requireRunner(t)
	out := measure(t, append(doHelpers, "-shell", "-json", "-parameter-list", "a", `x,y\,z`, "-parameter-list", "b", "1,2",
		helperCommand(t, "echo", "{a}{b}"), helperCommand(t, "echo", "-{a}"))...)
	require.Equal(t, exitOK, out.code, out.stderr)
	// The helper's echo: the labels are the command strings, the helper's
	// path first.
	echo := helperCommand(t, "echo")
	want := []struct{ label, stdout, a, b string }{
		{"echo x1", "x1", "x", "1"}, {"echo -x (b = 1)", "-x", "x", "1"},
		{"echo y,z1", "y,z1", "y,z", "1"}, {"echo -y,z (b = 1)", "-y,z", "y,z", "1"},
		{"echo x2", "x2", "x", "2"}, {"echo -x (b = 2)", "-x", "x", "2"},
		{"echo y,z2", "y,z2", "y,z", "2"}, {"echo -y,z (b = 2)", "-y,z", "y,z", "2"},
	}
	for i, line := range jsonLines(t, out.stdout, len(want)) {
		keys, r := decodeRunLine(t, line)
		w := want[i]
		label := strings.Replace(w.label, "echo", echo, 1)
		assert.Equal(t, runKeys{Name: label, Command: i + 1, Run: 1, Parameters: map[string]string{"a": w.a, "b": w.b}}, keys)
		assert.Equal(t, w.stdout+"\n", string(r.Stdout))
	}
}

// -name once per benchmark names each one as given; the export carries
// the parameters.
func TestParameterNamesPerBenchmark(t *testing.T) {
	t.Parallel()
	requireRunner(t)
	path := filepath.Join(t.TempDir(), "x.json")
	exit0 := helperCommand(t, "exit", "0")
	out := measure(t, append(doHelpers, "-shell", "-shell-correction=false", "-export-json", path, "-name", "one", "-name", "two",
		"-parameter-list", "v", "1,2", exit0)...)
	require.Equal(t, exitOK, out.code, out.stderr)
	var doc struct {
		ShellStartup *shellStartup `json:"shell_startup"`
		Results      []struct {
			Name       string            `json:"name"`
			Argv       []string          `json:"argv"`
			Parameters map[string]string `json:"parameters"`
		} `json:"results"`
	}
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, &doc))
	assert.Nil(t, doc.ShellStartup, "-shell-correction=false measures no start-up")
	require.Len(t, doc.Results, 2)
	for i, r := range doc.Results {
		assert.Equal(t, []string{"one", "two"}[i], r.Name)
		assert.Equal(t, map[string]string{"v": strconv.Itoa(i + 1)}, r.Parameters)
		assert.Equal(t, shellArgv(exit0), r.Argv)
	}
}

func TestParameterUsageErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"MIN above MAX", []string{"-parameter-scan", "n", "5", "1", "--", "true"}, "-parameter-scan n 5 1: MIN 5 is above MAX 1"},
		{"zero step", []string{"-parameter-scan", "n", "1", "5", "-parameter-step", "0", "true"}, "-parameter-scan n 1 5: -parameter-step must be above 0, not 0"},
		{"negative step", []string{"-parameter-scan", "n", "1", "5", "-parameter-step", "-0.5", "true"}, "-parameter-scan n 1 5: -parameter-step must be above 0, not -0.5"},
		{"not a number", []string{"-parameter-scan", "n", "one", "5", "true"}, `-parameter-scan n one 5: MIN "one" is not a number`},
		{"empty list", []string{"-parameter-list", "n", "", "true"}, "-parameter-list n: empty list of values"},
		{"scan missing values", []string{"-parameter-scan", "n", "1"}, "-parameter-scan needs three arguments: NAME MIN MAX"},
		{"list missing values", []string{"-json", "--parameter-list", "n"}, "--parameter-list needs two arguments: NAME VALUES (comma-separated)"},
		{"name used twice", []string{"-parameter-list", "n", "1", "-parameter-list", "n", "2", "true"}, "parameter n given twice"},
		{"empty name", []string{"-parameter-list", "", "1", "true"}, `bad parameter name "": want a non-empty name without { or }`},
		{"scan twice", []string{"-parameter-scan", "n", "1", "2", "-parameter-scan", "m", "1", "2", "true"}, "-parameter-scan given twice (one scan; -parameter-list can be repeated)"},
		{"scan and list", []string{"-parameter-scan", "n", "1", "2", "-parameter-list", "m", "1", "true"}, "-parameter-scan and -parameter-list cannot be combined (as in hyperfine)"},
		{"step without scan", []string{"-parameter-step", "2", "true"}, "-parameter-step needs -parameter-scan"},
		{"with =", []string{"-parameter-scan=n", "true"}, `invalid value "n" for flag -parameter-scan: give three arguments: NAME MIN MAX as separate arguments, not with =`},
		{"names for neither", []string{"-shell", "-name", "a", "-name", "b", "-name", "c", "-parameter-list", "n", "1,2", "x", "y"},
			"3 -name flags for 2 commands and 4 benchmarks (give at most one per command, or one per benchmark)"},
		{"too many benchmarks", []string{"-parameter-list", "a", strings.Repeat("x,", 999) + "x", "-parameter-list", "b", strings.Repeat("y,", 100) + "y", "true"},
			"the parameters make more than 100000 benchmarks"},
		{"bad sort", []string{"-sort", "name", "true"}, `invalid value "name" for flag -sort: want auto, command or mean`},
	} {
		t.Run(tc.name, func(t *testing.T) { assertUsageError(t, tc.args, tc.want) })
	}
}

// The multi-value flags are taken among the flags, before and between the
// command strings as hyperfine takes them: a flag's value, and everything
// after "--", is left alone.
func TestSplitCommandLine(t *testing.T) {
	t.Parallel()
	var o options
	fs := newFlagSet(&o)
	cl, err := splitCommandLine(fs, []string{"-name", "-parameter-scan", "-json", "-parameter-scan", "n", "-1", "1",
		"--repeat=2", "prog", "-L", "a", "b", "cmd", "--", "-parameter-list", "c", "d"}, &o)
	require.NoError(t, err)
	assert.Equal(t, []string{"-name", "-parameter-scan", "-json", "--repeat=2"}, cl.flags)
	assert.Equal(t, []string{"prog", "cmd", "-parameter-list", "c", "d"}, cl.commands)
	assert.True(t, cl.dashdash)
	assert.Equal(t, 2, cl.before)
	assert.Equal(t, &scanArgs{"n", "-1", "1"}, o.scan)
	assert.Equal(t, []paramAxis{{name: "a", values: []string{"b"}}}, o.lists)
}

// -sort: by default the comparison goes from the fastest to the slowest
// and the Markdown table keeps the command order; -sort command gives a
// ratio table in command order; -sort mean orders both by mean.
func TestSort(t *testing.T) {
	t.Parallel()
	requireRunner(t)
	// Helpers sleeping 1 s, 2 s and not at all, named for it: a second
	// apart, more than load or a Wine start-up can blur.
	cmds := append(doHelpers, "-name", "sleep 1", "-name", "sleep 2", "-name", "sleep 0",
		helperCommand(t, "sleep", "1s"), helperCommand(t, "sleep", "2s"), helperCommand(t, "sleep", "0s"))
	md := `\| .sleep %s. \| [^\n]*\n`
	for _, tc := range []struct {
		sort       string
		comparison string
		markdown   []string
	}{
		{"auto", `comparison\n  sleep 0 ran\n    \d+\.\d\d times faster than sleep 1\n    \d+\.\d\d times faster than sleep 2\n$`,
			[]string{"1", "2", "0"}},
		{"command", `comparison \(mean wall time relative to the fastest\)\n  +\d+\.\d\d  sleep 1\n  +\d+\.\d\d  sleep 2\n  +1\.00  sleep 0\n$`,
			[]string{"1", "2", "0"}},
		{"mean", `comparison\n  sleep 0 ran\n    \d+\.\d\d times faster than sleep (1|2)\n    \d+\.\d\d times faster than sleep (1|2)\n$`,
			nil},
	} {
		t.Run(tc.sort, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "t.md")
			args := append([]string{"-shell", "-shell-correction=false", "-sort", tc.sort, "-export-markdown", path}, cmds...)
			out := measure(t, args...)
			require.Equal(t, exitOK, out.code, out.stderr)
			assert.Regexp(t, tc.comparison, out.stdout)
			data, err := os.ReadFile(path)
			require.NoError(t, err)
			if tc.sort == "mean" {
				// The rows must follow the means they show, whatever
				// those are (load once reordered sleeps of 200 and 400 ms).
				assertRowsByMean(t, string(data))
				return
			}
			want := `^[^\n]*\n[^\n]*\n`
			for _, v := range tc.markdown {
				want += strings.ReplaceAll(md, "%s", regexp.QuoteMeta(v))
			}
			assert.Regexp(t, want+"$", string(data))
		})
	}
}

// -export-csv has hyperfine's parameter_NAME columns, in the order the
// parameters were given, after its fixed columns.
func TestParameterColumnsInCSV(t *testing.T) {
	t.Parallel()
	requireRunner(t)
	path := filepath.Join(t.TempDir(), "x.csv")
	out := measure(t, "-shell", "-shell-correction=false", "-sort", "command", "-export-csv", path,
		"-parameter-list", "a", "x,y", "-parameter-scan", "n", "1", "2", "exit 0 {a}{n}")
	require.Equal(t, exitUsage, out.code, "a scan and a list cannot be combined")
	echo := helperCommand(t, "echo")
	out = measure(t, append(doHelpers, "-shell", "-shell-correction=false", "-sort", "command", "-export-csv", path,
		"-parameter-list", "a", "x,y", "-parameter-list", "n", "1,2", echo+" {a}{n}")...)
	require.Equal(t, exitOK, out.code, out.stderr)
	rows := readCSV(t, path)
	require.Len(t, rows, 5)
	assert.Equal(t, []string{"command", "mean", "stddev", "median", "user", "system", "min", "max",
		"parameter_a", "parameter_n"}, rows[0])
	for i, want := range [][]string{{echo + " x1", "x", "1"}, {echo + " y1", "y", "1"}, {echo + " x2", "x", "2"}, {echo + " y2", "y", "2"}} {
		row := rows[i+1]
		assert.Equal(t, want, []string{row[0], row[8], row[9]})
	}
}

// With parameters every hook gets the benchmark's values for {NAME}, and
// one -prepare per command goes with that command for every value.
func TestParametersInHooks(t *testing.T) {
	t.Parallel()
	requireRunner(t)
	log := filepath.Join(t.TempDir(), "log")
	out := measure(t, append(doHelpers, "-shell", "-shell-correction=false", "-parameter-list", "n", "1,2",
		"-setup", logTo(t, log, "setup{n}"), "-cleanup", logTo(t, log, "cleanup{n}"),
		"-prepare", logTo(t, log, "prepA{n}"), "-prepare", logTo(t, log, "prepB{n}"),
		"-conclude", logTo(t, log, "concl{n}"), logTo(t, log, "A{n}"), logTo(t, log, "B{n}"))...)
	require.Equal(t, exitOK, out.code, out.stderr)
	assert.Equal(t, "setup1 prepA1 A1 concl1 cleanup1 setup1 prepB1 B1 concl1 cleanup1 "+
		"setup2 prepA2 A2 concl2 cleanup2 setup2 prepB2 B2 concl2 cleanup2", readLog(t, log))
}

// assertRowsByMean checks that the Markdown table's rows, after its two
// header lines, are in the order of their means (the second column).
func assertRowsByMean(t *testing.T, table string) {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(table), "\n")
	require.Greater(t, len(lines), 2, table)
	last := -1.0
	for _, line := range lines[2:] {
		cells := strings.Split(line, "|")
		require.Greater(t, len(cells), 3, line)
		mean, err := strconv.ParseFloat(strings.TrimSpace(cells[2]), 64)
		require.NoError(t, err, line)
		assert.GreaterOrEqual(t, mean, last, "rows by mean: %s", table)
		last = mean
	}
}
