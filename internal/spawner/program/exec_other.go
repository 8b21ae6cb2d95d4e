//go:build !linux

package program

import "os"

// Open is ErrUnsupported: the spawner program runs on Linux only.
func Open() (*os.File, error) { return nil, ErrUnsupported }
