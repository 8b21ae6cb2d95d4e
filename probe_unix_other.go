//go:build unix && !aix && !darwin && !dragonfly && !freebsd && !linux && !netbsd && !openbsd && !solaris

package adapters

import "errors"

// physicalMemoryBytes is not written for the Unix systems Go knows of but
// does not build for (GOOS=hurd); the build tag keeps them compiling.
func physicalMemoryBytes() (uint64, error) { return 0, errors.ErrUnsupported }
