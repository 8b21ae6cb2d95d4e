package main

import (
	"bufio"
	"go/build/constraint"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// One meaning per file suffix (issue 21), in this package and bench: _unix
// is exactly "//go:build unix", _bsd exactly the five BSDs, and _other the
// exact complement of its siblings (the files of the same stem), GOOS
// suffixes counted as Go counts them.
func TestFileSuffixesHaveOneMeaning(t *testing.T) {
	t.Parallel()
	exact := map[string]string{
		"unix": "unix",
		"bsd":  "darwin || dragonfly || freebsd || netbsd || openbsd",
	}
	for _, dir := range []string{".", filepath.Join("..", "..", "bench")} {
		paths, err := filepath.Glob(filepath.Join(dir, "*.go"))
		require.NoError(t, err)
		files := map[string]constraint.Expr{} // stem_suffix[_test] -> its //go:build, or nil
		for _, p := range paths {
			files[strings.TrimSuffix(filepath.Base(p), ".go")] = buildConstraint(t, p)
		}
		for name, expr := range files {
			stem, suffix, test := splitFileName(name)
			if want, ok := exact[suffix]; ok {
				require.NotNil(t, expr, "%s/%s.go has no //go:build %s", dir, name, want)
				assert.Equal(t, want, expr.String(), "%s/%s.go", dir, name)
			}
			if suffix != "other" {
				continue
			}
			for _, goos := range knownOS {
				any := false
				for sib, sibExpr := range files {
					s, suf, tst := splitFileName(sib)
					if s == stem && suf != "" && tst == test && sib != name && builtOn(suf, sibExpr, goos) {
						any = true
					}
				}
				assert.Equal(t, !any, builtOn("other", expr, goos),
					"%s/%s.go on %s: not the complement of its siblings", dir, name, goos)
			}
		}
	}
}

// knownOS are Go's GOOS values.
var knownOS = strings.Fields("aix android darwin dragonfly freebsd hurd illumos ios js linux netbsd openbsd plan9 solaris wasip1 windows zos")

// impliedOS are the GOOS values that also satisfy another's tag and suffix.
var impliedOS = map[string]string{"android": "linux", "illumos": "solaris", "ios": "darwin"}

func isUnixOS(goos string) bool {
	return strings.Contains(" aix android darwin dragonfly freebsd hurd illumos ios linux netbsd openbsd solaris ", " "+goos+" ")
}

// builtOn reports whether a file with suffix and constraint expr is built
// for goos (any architecture; other tags such as race are off).
func builtOn(suffix string, expr constraint.Expr, goos string) bool {
	if contains(knownOS, suffix) && suffix != goos && impliedOS[goos] != suffix {
		return false // a GOOS suffix: built there only
	}
	if expr == nil {
		return true
	}
	return expr.Eval(func(tag string) bool {
		return tag == goos || impliedOS[goos] == tag || tag == "unix" && isUnixOS(goos)
	})
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// splitFileName splits "stem_suffix[_test]" (no .go).
func splitFileName(name string) (stem, suffix string, test bool) {
	name, test = strings.CutSuffix(name, "_test")
	if i := strings.LastIndexByte(name, '_'); i > 0 {
		return name[:i], name[i+1:], test
	}
	return name, "", test
}

// buildConstraint is path's //go:build expression, or nil.
func buildConstraint(t *testing.T, path string) constraint.Expr {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "package ") {
			break
		}
		if constraint.IsGoBuild(line) {
			expr, err := constraint.Parse(line)
			require.NoError(t, err)
			return expr
		}
	}
	return nil
}
