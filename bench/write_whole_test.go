package bench

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWriteFileWhole(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "x.json")
	require.NoError(t, WriteFileWhole(path, []byte("one\n")))
	require.NoError(t, WriteFileWhole(path, []byte("two\n")))
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "two\n", string(data))
	info, err := os.Stat(path)
	require.NoError(t, err)
	if runtime.GOOS != "windows" { // only a read-only bit there
		assert.Equal(t, os.FileMode(0o644), info.Mode().Perm())
	}

	// A failure leaves nothing behind: no file, no temporary file.
	assert.Error(t, WriteFileWhole(filepath.Join(dir, "missing", "y.json"), []byte("x")))
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, entries, 1)
	assert.Equal(t, "x.json", entries[0].Name())
}
