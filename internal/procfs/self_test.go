package procfs_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/perfgate/adapters/internal/procfs"
)

// fakeProc writes files under a new root laid out like /proc.
func fakeProc(t *testing.T, files map[string]string) string {
	root := t.TempDir()
	for name, data := range files {
		path := filepath.Join(root, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, []byte(data), 0o644))
	}
	return root
}

func TestFDPath(t *testing.T) {
	assert.Equal(t, "/proc/self/fd/7", procfs.FDPath(procfs.DefaultRoot, "self", 7))
	assert.Equal(t, "/x/42/fd/0", procfs.FDPath("/x", "42", 0))
}

// ReadMem reads at an offset of the mem file, here a plain file.
func TestReadMem(t *testing.T) {
	root := fakeProc(t, map[string]string{"self/mem": "0123456789"})
	buf := make([]byte, 4)
	require.NoError(t, procfs.ReadMem(root, "self", 3, buf))
	assert.Equal(t, "3456", string(buf))
	assert.Error(t, procfs.ReadMem(root, "self", 8, buf), "a short read")
	assert.ErrorIs(t, procfs.ReadMem(root, "1", 0, buf), os.ErrNotExist)
}

func TestReadFile(t *testing.T) {
	root := fakeProc(t, map[string]string{"9/cgroup": "0::/user.slice\n"})
	data, err := procfs.ReadFile(root, "9", "cgroup")
	require.NoError(t, err)
	assert.Equal(t, "0::/user.slice\n", string(data))
}
