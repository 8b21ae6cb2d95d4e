//go:build hurd

package hostmem

import "errors"

// physicalBytes is not written for GNU/Hurd, a Unix that Go's build
// constraints know of but Go does not build for; the file keeps it
// compiling should it ever come.
func physicalBytes() (uint64, error) { return 0, errors.ErrUnsupported }
