package bench

import (
	"io"
	"os"
	"path/filepath"
)

// WriteFileWhole writes data to path (mode 0644) as [Receipt.WriteFile]
// writes a receipt, for any file a harness writes (exports, tables):
// into a temporary file beside path, then renamed over it, so that a
// reader never sees half a file and a failure (a full file system, a
// file size limit) leaves the old file as it was, or none, and no
// temporary file behind.
func WriteFileWhole(path string, data []byte) error {
	return WriteFileWholeFunc(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// WriteFileWholeFunc is [WriteFileWhole] for content written by write, for
// a file too large to hold in memory at once.
func WriteFileWholeFunc(path string, write func(io.Writer) error) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err = write(f); err != nil {
		return err
	}
	if err = f.Chmod(0o644); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
