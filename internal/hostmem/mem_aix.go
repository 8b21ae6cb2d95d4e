//go:build aix

package hostmem

import (
	"errors"
	"math"

	"golang.org/x/sys/unix"
)

// scPhysmem is SC_PHYSMEM of AIX's <sys/systemcfg.h> (the same value in
// Rust's libc crate). x/sys/unix has Getsystemcfg but not the labels.
const scPhysmem = 33

// physicalBytes is getsystemcfg(SC_PHYSMEM), the field physmem of
// _system_configuration: the bytes of real memory.
func physicalBytes() (uint64, error) {
	n := unix.Getsystemcfg(scPhysmem)
	if n == 0 || n == math.MaxUint64 { // getsystemcfg returns -1 for a bad label
		return 0, errors.New("getsystemcfg(SC_PHYSMEM) failed")
	}
	return n, nil
}
