package bench

import "io"

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
func WriteFileWholeFunc(path string, write func(io.Writer) error) error {
	return replaceFile(path, write)
}
