package layout

import (
	"go/ast"
	"go/build"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// moduleRoot is the directory of go.mod, two levels up.
func moduleRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	require.NoError(t, err)
	require.FileExists(t, filepath.Join(root, "go.mod"))
	return root
}

// goFiles maps each package directory of the module (relative) to its Go
// file names, testdata and hidden directories left out.
func goFiles(t *testing.T) map[string][]string {
	t.Helper()
	root := moduleRoot(t)
	dirs := map[string][]string{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() && path != root && (name == "testdata" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(name, ".go") {
			rel, _ := filepath.Rel(root, filepath.Dir(path))
			dirs[rel] = append(dirs[rel], name)
		}
		return nil
	})
	require.NoError(t, err)
	return dirs
}

// platform is one GOOS/GOARCH pair Go builds for.
type platform struct{ goos, goarch string }

// platforms lists every pair `go tool dist list` knows.
func platforms(t *testing.T) []platform {
	t.Helper()
	goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
	out, err := exec.Command(goTool, "tool", "dist", "list").Output()
	require.NoError(t, err, "go tool dist list")
	var list []platform
	for _, line := range strings.Fields(string(out)) {
		goos, goarch, ok := strings.Cut(line, "/")
		require.True(t, ok, line)
		list = append(list, platform{goos, goarch})
	}
	require.Greater(t, len(list), 30)
	return list
}

// builds reports whether the file dir/name is built on p.
func builds(t *testing.T, dir, name string, p platform) bool {
	ctx := build.Default
	ctx.GOOS, ctx.GOARCH, ctx.CgoEnabled = p.goos, p.goarch, false
	ctx.BuildTags, ctx.ToolTags, ctx.ReleaseTags = nil, nil, build.Default.ReleaseTags
	ok, err := ctx.MatchFile(dir, name)
	require.NoError(t, err, "%s/%s", dir, name)
	return ok
}

// unixGOOS are the systems the unix build constraint means.
var unixGOOS = []string{"aix", "android", "darwin", "dragonfly", "freebsd", "hurd", "illumos", "ios",
	"linux", "netbsd", "openbsd", "solaris"}

// groupSuffixes are the suffixes that name a group of systems, and the
// systems each means: a file so named builds on exactly those.
var groupSuffixes = map[string][]string{
	"unix": unixGOOS,
	"bsd":  {"darwin", "dragonfly", "freebsd", "ios", "netbsd", "openbsd"},
}

// stemAndSuffix splits "runner_unix_test.go" into "runner" and "unix":
// the suffix is the last part before _test and .go.
func stemAndSuffix(name string) (stem, suffix string) {
	base := strings.TrimSuffix(strings.TrimSuffix(name, ".go"), "_test")
	i := strings.LastIndex(base, "_")
	if i < 0 {
		return base, ""
	}
	return base[:i], base[i+1:]
}

// A file named for a group of systems builds on exactly those systems.
func TestGroupSuffixesMeanOneThing(t *testing.T) {
	all := platforms(t)
	root := moduleRoot(t)
	for dir, names := range goFiles(t) {
		for _, name := range names {
			_, suffix := stemAndSuffix(name)
			goos, ok := groupSuffixes[suffix]
			if !ok {
				continue
			}
			for _, p := range all {
				want := slices.Contains(goos, p.goos)
				got := builds(t, filepath.Join(root, dir), name, p)
				if got != want {
					t.Errorf("%s: a _%s file built on %s/%s: %v, want %v", filepath.Join(dir, name), suffix, p.goos, p.goarch, got, want)
					break
				}
			}
		}
	}
}

// An _other file builds exactly where none of its siblings (the files of
// its package with the same stem and another suffix, tests with tests)
// does, so that each platform gets one of them.
func TestOtherIsTheExactComplement(t *testing.T) {
	all := platforms(t)
	root := moduleRoot(t)
	checked := 0
	for dir, names := range goFiles(t) {
		for _, other := range names {
			stem, suffix := stemAndSuffix(other)
			if suffix != "other" {
				continue
			}
			isTest := strings.HasSuffix(other, "_test.go")
			var siblings []string
			for _, name := range names {
				s, sfx := stemAndSuffix(name)
				if s == stem && sfx != "other" && sfx != "" && strings.HasSuffix(name, "_test.go") == isTest {
					siblings = append(siblings, name)
				}
			}
			assert.NotEmpty(t, siblings, "%s has no siblings to complement", filepath.Join(dir, other))
			checked++
			for _, p := range all {
				anySibling := false
				for _, s := range siblings {
					anySibling = anySibling || builds(t, filepath.Join(root, dir), s, p)
				}
				if got := builds(t, filepath.Join(root, dir), other, p); got == anySibling {
					t.Errorf("%s on %s/%s: builds %v, and a sibling of %v builds %v", filepath.Join(dir, other),
						p.goos, p.goarch, got, siblings, anySibling)
					break
				}
			}
		}
	}
	assert.Positive(t, checked, "no _other file found")
}

// maxFileLines and maxFuncLines bound a non-test source file and one of
// its functions.
const (
	maxFileLines = 400
	maxFuncLines = 60
)

// No source file is over maxFileLines lines and no function over
// maxFuncLines; a function that is one flag or data table may be longer
// if it is listed in tables, with why.
func TestSizes(t *testing.T) {
	tables := map[string]string{}
	root := moduleRoot(t)
	for dir, names := range goFiles(t) {
		for _, name := range names {
			if strings.HasSuffix(name, "_test.go") {
				continue
			}
			path := filepath.Join(root, dir, name)
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
			require.NoError(t, err)
			rel := filepath.Join(dir, name)
			if lines := fset.File(f.Pos()).LineCount(); lines > maxFileLines {
				t.Errorf("%s has %d lines, over %d", rel, lines, maxFileLines)
			}
			for _, decl := range f.Decls {
				fn, ok := decl.(*ast.FuncDecl)
				if !ok || fn.Body == nil {
					continue
				}
				lines := fset.Position(fn.End()).Line - fset.Position(fn.Pos()).Line + 1
				if _, table := tables[rel+":"+fn.Name.Name]; lines > maxFuncLines && !table {
					t.Errorf("%s: func %s has %d lines, over %d", rel, fn.Name.Name, lines, maxFuncLines)
				}
			}
		}
	}
}

// The package docs say what a package is for, not which files it has: a
// list of file names drifts.
func TestPackageDocsNameNoFiles(t *testing.T) {
	root := moduleRoot(t)
	for dir, names := range goFiles(t) {
		for _, name := range names {
			if strings.HasSuffix(name, "_test.go") {
				continue
			}
			data, err := os.ReadFile(filepath.Join(root, dir, name))
			require.NoError(t, err)
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, name, data, parser.ParseComments|parser.PackageClauseOnly)
			require.NoError(t, err)
			if f.Doc == nil {
				continue
			}
			named := 0
			for _, word := range strings.Fields(f.Doc.Text()) {
				if strings.HasSuffix(strings.Trim(word, ".,;:()`'\""), ".go") {
					named++
				}
			}
			assert.LessOrEqual(t, named, 1, "the package doc of %s names %d files", filepath.Join(dir, name), named)
		}
	}
}
