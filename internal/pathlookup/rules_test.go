package pathlookup

// Windows' lookup rules, tested on every platform: the rules are passed in,
// so only path syntax (filepath's) differs between Linux and Windows.

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// files creates each relative path under root as a file whose size is the
// length of its name, without any execute bit (Windows needs none), and
// returns root.
func files(t *testing.T, rel ...string) string {
	t.Helper()
	root := t.TempDir()
	for _, r := range rel {
		path := filepath.Join(root, filepath.FromSlash(r))
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, []byte(r), 0o644))
	}
	return root
}

func pathList(dirs ...string) string { return strings.Join(dirs, string(filepath.ListSeparator)) }

func TestWindowsRulesParsePathExt(t *testing.T) {
	for _, tc := range []struct {
		pathext string
		want    []string
	}{
		{"", []string{".com", ".exe", ".bat", ".cmd"}},
		{DefaultPathExt, []string{".com", ".exe", ".bat", ".cmd"}},
		{".EXE;.Tst", []string{".exe", ".tst"}},
		{"exe;;.cmd;", []string{".exe", ".cmd"}},
		{";", nil},
	} {
		rules := WindowsRules(tc.pathext, false)
		assert.Equal(t, tc.want, rules.Exts, "PATHEXT %q", tc.pathext)
		assert.True(t, rules.Windows)
		assert.True(t, rules.DotFirst)
	}
	assert.False(t, WindowsRules("", true).DotFirst, "NoDefaultCurrentDirectoryInExePath set")
}

func TestWindowsLookupFound(t *testing.T) {
	root := files(t,
		"a/prog.exe", "a/prog.com", "a/tool.bat", "a/data.txt", "a/noext",
		"a/weird.bat.exe", "a/script.tst",
		"b/tool.exe", "b/only.cmd",
		"sub/dir/app.exe", "sub/dir.exe", "sub/both", "sub/both.exe",
	)
	a, b, sub := filepath.Join(root, "a"), filepath.Join(root, "b"), filepath.Join(root, "sub")
	win := WindowsRules("", true)
	for _, tc := range []struct {
		name, prog, dir, path string
		rules                 Rules
		want                  string
	}{
		{"PATHEXT order: .com before .exe", "prog", "", a, win, filepath.Join(a, "prog.com")},
		{"PATH order before PATHEXT order", "tool", "", pathList(a, b), win, filepath.Join(a, "tool.bat")},
		{"later PATH entry", "only", "", pathList(a, b), win, filepath.Join(b, "only.cmd")},
		{"extension given", "prog.exe", "", a, win, filepath.Join(a, "prog.exe")},
		{"any existing extension is taken as is", "data.txt", "", a, win, filepath.Join(a, "data.txt")},
		{"extension added to a dotted name", "weird.bat", "", a, win, filepath.Join(a, "weird.bat.exe")},
		{"the child's PATHEXT", "script", "", a, WindowsRules(".TST", true), filepath.Join(a, "script.tst")},
		{"empty PATHEXT list: name as is", "noext", "", a, WindowsRules(";", true), filepath.Join(a, "noext")},
		{"empty PATH entries skipped", "prog", "", pathList("", a), win, filepath.Join(a, "prog.com")},
		{"absolute path gets an extension", filepath.Join(sub, "dir", "app"), "", "", win, filepath.Join(sub, "dir", "app.exe")},
		{"relative path against dir", filepath.Join("dir", "app"), sub, "", win, filepath.Join(sub, "dir", "app.exe")},
		{"dot-relative path against dir", "." + string(filepath.Separator) + "prog", a, "", win, filepath.Join(a, "prog.com")},
		{"directory passed over for name.exe", filepath.Join(sub, "dir"), "", "", win, filepath.Join(sub, "dir.exe")},
		{"no extension: only extensions are tried", filepath.Join(sub, "both"), "", "", win, filepath.Join(sub, "both.exe")},
		{"working directory that is also on PATH", "prog", a, a, WindowsRules("", false), filepath.Join(a, "prog.com")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			prog, err := LookupRules(tc.prog, tc.dir, tc.path, tc.rules)
			require.NoError(t, err)
			assert.Equal(t, tc.want, prog.Path)
			info, err := os.Stat(tc.want)
			require.NoError(t, err)
			assert.Equal(t, info.Size(), prog.Size)
		})
	}
}

func TestWindowsLookupFailures(t *testing.T) {
	root := files(t, "a/prog.exe", "a/noext", "b/prog.exe", "c/other.exe", "d/sub/x")
	a, b, c := filepath.Join(root, "a"), filepath.Join(root, "b"), filepath.Join(root, "c")
	win, winDot := WindowsRules("", true), WindowsRules("", false)
	for _, tc := range []struct {
		name, prog, dir, path string
		rules                 Rules
		want                  error
		reason                string
	}{
		{"not in PATH", "missing", "", a, win, exec.ErrNotFound, "not found in PATH"},
		{"PATHEXT without the extension", "prog", "", a, WindowsRules(".cmd", true), exec.ErrNotFound, "not found in PATH"},
		{"file without extension is not a program", "noext", "", a, win, exec.ErrNotFound, "not found in PATH"},
		{"path without extension", filepath.Join(a, "noext"), "", "", win, fs.ErrPermission, "no PATHEXT extension"},
		{"missing path", filepath.Join(a, "missing"), "", "", win, fs.ErrNotExist, "does not exist"},
		{"missing path with extension", filepath.Join(a, "missing.exe"), "", "", win, fs.ErrNotExist, "does not exist"},
		{"directory", filepath.Join(root, "d", "sub"), "", "", win, syscall.EISDIR, "is a directory"},
		{"only in the working directory", "prog", a, c, winDot, exec.ErrDot, "working directory"},
		{"working directory before a different PATH match", "prog", a, b, winDot, exec.ErrDot, "working directory"},
		{"not searched when NoDefaultCurrentDirectoryInExePath is set", "prog", a, c, win, exec.ErrNotFound, "not found in PATH"},
		{"relative PATH entry", "prog", root, "a", win, exec.ErrDot, "relative PATH entry"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LookupRules(tc.prog, tc.dir, tc.path, tc.rules)
			require.Error(t, err)
			assert.ErrorIs(t, err, tc.want)
			var failure *Failure
			require.ErrorAs(t, err, &failure)
			assert.Contains(t, failure.Reason, tc.reason)
		})
	}
}

// The Unix rules need an execute bit and take an empty PATH entry as ".";
// the Windows rules need neither.
func TestRulesDiffer(t *testing.T) {
	root := files(t, "prog")
	_, err := LookupRules(filepath.Join(root, "prog"), "", "", WindowsRules(";", true))
	assert.NoError(t, err, "Windows: no execute bit needed")
	if runtime.GOOS != "windows" {
		// Windows reports no execute bits at all.
		_, err = LookupRules(filepath.Join(root, "prog"), "", "", UnixRules)
		assert.ErrorIs(t, err, fs.ErrPermission, "Unix: execute bit needed")
	}
	_, err = LookupRules("prog", root, string(filepath.ListSeparator), WindowsRules(";", true))
	assert.ErrorIs(t, err, exec.ErrNotFound, "Windows skips empty PATH entries")
}

func TestHostRulesAndLookup(t *testing.T) {
	root := files(t, "bin/prog.tst")
	bin := filepath.Join(root, "bin")
	env := map[string]string{"PATH": bin, "PATHEXT": ".TST"}
	getenv := func(key string) (string, bool) { v, ok := env[key]; return v, ok }
	rules := HostRules(getenv)
	prog, err := Lookup("prog", "", getenv)
	if runtime.GOOS == "windows" {
		assert.Equal(t, WindowsRules(".TST", false), rules)
		require.NoError(t, err)
		assert.Equal(t, filepath.Join(bin, "prog.tst"), prog.Path, "the child's PATH and PATHEXT")
		env["NoDefaultCurrentDirectoryInExePath"] = ""
		assert.False(t, HostRules(getenv).DotFirst, "set, even empty")
	} else {
		assert.Equal(t, UnixRules, rules)
		assert.ErrorIs(t, err, exec.ErrNotFound, "no PATHEXT outside Windows")
		require.NoError(t, os.Chmod(filepath.Join(bin, "prog.tst"), 0o755))
		prog, err = Lookup("prog.tst", "", getenv)
		require.NoError(t, err)
		assert.Equal(t, filepath.Join(bin, "prog.tst"), prog.Path, "the child's PATH")
	}
}

// A relative result would name another file once the child is in a
// relative Dir: every Path is absolute.
func TestLookupPathIsAbsolute(t *testing.T) {
	root := files(t, "sub/prog.exe")
	t.Chdir(root)
	all := []Rules{WindowsRules("", true)}
	if runtime.GOOS != "windows" { // no execute bits there for the Unix rules
		all = append(all, UnixRules)
	}
	for _, rules := range all {
		if !rules.Windows {
			require.NoError(t, os.Chmod(filepath.Join(root, "sub", "prog.exe"), 0o755))
		}
		dot := "." + string(filepath.Separator)
		for _, tc := range []struct{ name, dir string }{
			{dot + filepath.Join("sub", "prog.exe"), ""},
			{dot + "prog.exe", "sub"},
		} {
			prog, err := LookupRules(tc.name, tc.dir, "", rules)
			require.NoError(t, err)
			assert.True(t, filepath.IsAbs(prog.Path), "%q in %q: %q", tc.name, tc.dir, prog.Path)
			want, err := os.Stat(filepath.Join(root, "sub", "prog.exe"))
			require.NoError(t, err)
			got, err := os.Stat(prog.Path)
			require.NoError(t, err)
			assert.True(t, os.SameFile(want, got))
		}
	}
}
