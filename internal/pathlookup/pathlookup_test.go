//go:build unix

package pathlookup

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tree makes dir/bin/prog (executable, 11 bytes), dir/bin/data (not
// executable) and dir/bin/sub (a directory).
func tree(t *testing.T) (dir, bin string) {
	dir = t.TempDir()
	bin = filepath.Join(dir, "bin")
	require.NoError(t, os.MkdirAll(filepath.Join(bin, "sub"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(bin, "prog"), []byte("#!/bin/sh\n\n"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(bin, "data"), []byte("x"), 0o644))
	return dir, bin
}

func TestLookupFound(t *testing.T) {
	dir, bin := tree(t)
	for _, tc := range []struct{ name, prog, dir, path, want string }{
		{"in PATH", "prog", "", "/nonexistent" + string(filepath.ListSeparator) + bin, filepath.Join(bin, "prog")},
		{"first PATH match wins", "prog", "", bin + string(filepath.ListSeparator) + "/nonexistent", filepath.Join(bin, "prog")},
		{"absolute path ignores PATH", filepath.Join(bin, "prog"), "", "", filepath.Join(bin, "prog")},
		{"relative path against dir", "./bin/prog", dir, "", filepath.Join(dir, "bin", "prog")},
		{"relative path with sub dir", "bin/prog", dir, "", filepath.Join(dir, "bin", "prog")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			prog, err := LookupRules(tc.prog, tc.dir, tc.path, UnixRules)
			require.NoError(t, err)
			assert.Equal(t, tc.want, prog.Path)
			assert.Equal(t, int64(11), prog.Size)
		})
	}
}

func TestLookupSymlinkSizeIsTarget(t *testing.T) {
	_, bin := tree(t)
	link := filepath.Join(bin, "link")
	require.NoError(t, os.Symlink(filepath.Join(bin, "prog"), link))
	prog, err := LookupRules(link, "", "", UnixRules)
	require.NoError(t, err)
	assert.Equal(t, int64(11), prog.Size)
}

func TestLookupFailures(t *testing.T) {
	dir, bin := tree(t)
	for _, tc := range []struct {
		name, prog, dir, path string
		want                  error
		reason                string
	}{
		{"not in PATH", "missing", "", bin, exec.ErrNotFound, "not found in PATH"},
		{"empty PATH", "prog", "", "", exec.ErrNotFound, "not found in PATH"},
		{"not executable in PATH is skipped", "data", "", bin, exec.ErrNotFound, "not found in PATH"},
		{"missing path", filepath.Join(bin, "missing"), "", "", fs.ErrNotExist, "does not exist"},
		{"not executable", filepath.Join(bin, "data"), "", "", fs.ErrPermission, "not executable"},
		{"directory", filepath.Join(bin, "sub"), "", "", syscall.EISDIR, "is a directory"},
		{"relative PATH entry", "prog", dir, "bin", exec.ErrDot, "relative PATH entry"},
		{"empty PATH entry means dot", "prog", bin, string(filepath.ListSeparator), exec.ErrDot, "relative PATH entry"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LookupRules(tc.prog, tc.dir, tc.path, UnixRules)
			require.Error(t, err)
			assert.ErrorIs(t, err, tc.want)
			var failure *Failure
			require.ErrorAs(t, err, &failure)
			assert.Contains(t, failure.Reason, tc.reason)
		})
	}
}
