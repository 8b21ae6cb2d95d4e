//go:build !unix

package main

import (
	"io/fs"
	"os"
)

// openSpecial opens a file that is not regular (a device) for writing.
func openSpecial(path string, _ fs.FileInfo) (*os.File, error) {
	return os.OpenFile(path, os.O_WRONLY, 0)
}
