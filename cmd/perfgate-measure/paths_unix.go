//go:build unix

package main

import (
	"errors"
	"io/fs"
	"os"
	"syscall"
)

// openSpecial opens a file that is not regular for writing without
// waiting: a FIFO with no reader is ENXIO at once instead of an open that
// blocks until one comes.
func openSpecial(path string, info fs.FileInfo) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|syscall.O_NONBLOCK, 0)
	if errors.Is(err, syscall.ENXIO) && info.Mode()&fs.ModeNamedPipe != 0 {
		return nil, errors.New("a FIFO that no process has open for reading (start its reader first)")
	}
	return f, err
}
