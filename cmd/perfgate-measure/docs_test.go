package main

import (
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// readDoc reads a file of the repository's documentation.
func readDoc(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", name))
	require.NoError(t, err)
	return string(data)
}

// The words match the code (issue 20, point 10): -i with a program that
// cannot start exits 127, as the code and -help say and docs/cli.md said
// 1; the README gives an install command that works from a clone; energy
// n/a says why.
func TestWordsMatchTheCode(t *testing.T) {
	t.Parallel()
	requireRunner(t)
	out := measure(t, "-i", "-runs", "1", "--", "perfgate-measure-test-no-such-program")
	assert.Equal(t, exitNotFound, out.code, out.stderr)
	cli := readDoc(t, "docs/cli.md")
	assert.NotContains(t, cli, "both still exit 1")
	assert.Contains(t, strings.Join(strings.Fields(cli), " "), "126 or 127 as without `-i` (127 when the program is not found)")

	readme := readDoc(t, "README.md")
	assert.Contains(t, readme, "\ngo install ./cmd/perfgate-measure ")

	out = measure(t, helperArgs(t, "exit", nil, "0")...)
	require.Equal(t, exitOK, out.code, out.stderr)
	assert.Regexp(t, `\n  energy        (\d+ uJ|n/a \(.+\))\n`, out.stdout)
}

// One copy of the manual (issue 20, point 11): -help; the package comment
// says what the command is and points there, without a second manual.
func TestOneManual(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("main.go")
	require.NoError(t, err)
	doc, _, found := strings.Cut(string(data), "\npackage main")
	require.True(t, found)
	assert.Less(t, strings.Count(doc, "\n"), 30, "the package comment is no second manual")
	assert.Contains(t, doc, "perfgate-measure -help")
	out := measure(t, "-help")
	assert.Equal(t, exitOK, out.code)
	for _, want := range []string{"Exit status:", "129", "-export-json file", "-N", "-reference command", "Examples:"} {
		assert.Contains(t, out.stdout, want)
	}
}

// -help is the one reference for flags: every flag of the flag set is in
// it, and docs/cli.md has no table of flags (no row starting with one).
func TestHelpHasEveryFlagAndTheDocsNoFlagTable(t *testing.T) {
	t.Parallel()
	out := measure(t, "-help")
	require.Equal(t, exitOK, out.code)
	var o options
	newFlagSet(&o).VisitAll(func(f *flag.Flag) {
		assert.Regexp(t, `(?m)^  -`+regexp.QuoteMeta(f.Name)+`[\t \n]`, out.stdout, "-%s in -help", f.Name)
	})
	for i, line := range strings.Split(readDoc(t, "docs/cli.md"), "\n") {
		assert.NotRegexp(t, "^\\| *`-", line, "docs/cli.md:%d restates a flag table; -help is the reference", i+1)
	}
	assert.Contains(t, readDoc(t, "docs/cli.md"), "perfgate-measure -help")
}
