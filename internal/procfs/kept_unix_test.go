//go:build unix

package procfs_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/perfgate/adapters/internal/procfs"
)

// readKept returns what k reads now.
func readKept(t *testing.T, k *procfs.Kept) string {
	var got string
	require.NoError(t, k.Read(func(data []byte) error { got = string(data); return nil }))
	return got
}

// A kept file is read whole from its start at every read, through the one
// descriptor: a change made in place shows; a file larger than the buffer
// is read whole; a failed open is tried again.
func TestKept(t *testing.T) {
	root := t.TempDir()
	path := filepath.Join(root, "self", "status")
	k := procfs.Keep(root, "self", "status")
	assert.ErrorIs(t, k.Read(func([]byte) error { return nil }), os.ErrNotExist)

	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, []byte("VmHWM:\t  100 kB\n"), 0o644))
	assert.Equal(t, "VmHWM:\t  100 kB\n", readKept(t, k), "opened at the first read that can")
	kib, err := k.ReadUint(procfs.ParseVmHWM)
	require.NoError(t, err)
	assert.Equal(t, uint64(100), kib)

	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = f.WriteAt([]byte("VmHWM:\t  200 kB\n"), 0)
	require.NoError(t, err)
	require.NoError(t, f.Close())
	kib, err = k.ReadUint(procfs.ParseVmHWM)
	require.NoError(t, err)
	assert.Equal(t, uint64(200), kib, "read again from its start")

	big := strings.Repeat("x", 10000) + "\n"
	require.NoError(t, os.WriteFile(path, []byte(big), 0o644)) // truncated in place: the same file
	assert.Equal(t, big, readKept(t, k))
	_, err = k.ReadUint(procfs.ParseVmHWM)
	assert.ErrorIs(t, err, procfs.ErrNoVmHWM)
}

// A read allocates nothing once the buffer has grown to the file.
func TestKeptAllocatesNothing(t *testing.T) {
	k := procfs.Keep(filepath.Join(fixtures, "self-status"), "self", "status")
	_, err := k.ReadUint(procfs.ParseVmHWM)
	require.NoError(t, err)
	assert.Zero(t, testing.AllocsPerRun(10, func() { _, _ = k.ReadUint(procfs.ParseVmHWM) }))
}
