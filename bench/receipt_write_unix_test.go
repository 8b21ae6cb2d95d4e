//go:build unix

package bench

import (
	"bytes"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// A path that names a FIFO, or a link to one, is written into, never
// replaced (as a device such as /dev/stdout or /dev/full is: a FIFO is the
// special file a test can make safely).
func TestReceiptWriteFileIntoAFIFO(t *testing.T) {
	t.Parallel()
	r := fakeReceipt(t)
	var want bytes.Buffer
	_, err := r.WriteTo(&want)
	require.NoError(t, err)
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	require.NoError(t, unix.Mkfifo(fifo, 0o644))
	link := filepath.Join(dir, "link")
	require.NoError(t, os.Symlink(fifo, link))

	for _, path := range []string{fifo, link} {
		// Opened for reading and writing, the FIFO has a reader, so the
		// writer's open does not block and the receipt fits its buffer.
		reader, err := os.OpenFile(fifo, os.O_RDWR, 0)
		require.NoError(t, err)
		require.NoError(t, r.WriteFile(path), path)
		info, err := os.Lstat(fifo)
		require.NoError(t, err)
		require.NotZero(t, info.Mode()&fs.ModeNamedPipe, "%s: the FIFO is still there", path)
		if path == link {
			info, err := os.Lstat(link)
			require.NoError(t, err)
			require.NotZero(t, info.Mode()&fs.ModeSymlink, "the link is still a link")
		}
		got := make([]byte, want.Len())
		_, err = io.ReadFull(reader, got)
		require.NoError(t, err)
		assert.Equal(t, want.String(), string(got), "%s: written into", path)
		require.NoError(t, reader.Close())
	}
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 2, "no temporary file left behind")
}

// A symbolic link to a regular file stays a link; the file it names is
// replaced. (Unix only: on Windows a link needs a privilege, and under
// Wine os.Symlink makes a link Windows calls a regular file.)
func TestReceiptWriteFileThroughALink(t *testing.T) {
	t.Parallel()
	r := fakeReceipt(t)
	dir := t.TempDir()
	target := filepath.Join(dir, "real.json")
	require.NoError(t, os.WriteFile(target, []byte("old"), 0o644))
	link := filepath.Join(dir, "link.json")
	require.NoError(t, os.Symlink(target, link))
	require.NoError(t, r.WriteFile(link))
	info, err := os.Lstat(link)
	require.NoError(t, err)
	assert.NotZero(t, info.Mode()&fs.ModeSymlink, "still a link")
	got := validReceipt(t, target)
	assert.Equal(t, r.Run.ID, got.Run.ID)
	var want bytes.Buffer
	_, err = r.WriteTo(&want)
	require.NoError(t, err)
	data, err := os.ReadFile(link)
	require.NoError(t, err)
	assert.Equal(t, want.String(), string(data))
}
