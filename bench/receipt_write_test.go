package bench

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A valid file name of up to 255 bytes is written: the temporary name
// fits NAME_MAX whatever the name's length.
func TestReceiptWriteFileLongName(t *testing.T) {
	t.Parallel()
	r := fakeReceipt(t)
	dir := t.TempDir()
	for _, n := range []int{240, 250, 255} {
		name := strings.Repeat("r", n-len(".json")) + ".json"
		path := filepath.Join(dir, name)
		require.NoError(t, r.WriteFile(path), "%d bytes", n)
		validReceipt(t, path)
	}
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 3, "no temporary file left behind")
}

// Every error names the path the caller gave, keeping the cause for
// errors.Is.
func TestReceiptWriteFileErrorsNameThePath(t *testing.T) {
	t.Parallel()
	r := fakeReceipt(t)
	path := filepath.Join(t.TempDir(), "missing", strings.Repeat("x", 250))
	err := r.WriteFile(path)
	require.Error(t, err)
	assert.ErrorIs(t, err, fs.ErrNotExist)
	var pathErr *fs.PathError
	require.True(t, errors.As(err, &pathErr))
	assert.Equal(t, path, pathErr.Path)
	assert.Equal(t, "write receipt "+path+": "+pathErr.Err.Error(), err.Error())
	assert.NotContains(t, err.Error(), ".tmp", "no temporary name")
}
