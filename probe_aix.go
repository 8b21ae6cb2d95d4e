//go:build aix

package adapters

import (
	"errors"
	"math"

	"golang.org/x/sys/unix"
)

// scPhysmem is SC_PHYSMEM of AIX's <sys/systemcfg.h> (the same value in
// Rust's libc crate). x/sys/unix has Getsystemcfg but not the labels.
const scPhysmem = 33

// physicalMemoryBytes is getsystemcfg(SC_PHYSMEM), the field physmem of
// _system_configuration: the bytes of real memory.
func physicalMemoryBytes() (uint64, error) {
	n := unix.Getsystemcfg(scPhysmem)
	if n == 0 || n == math.MaxUint64 { // getsystemcfg returns -1 for a bad label
		return 0, errors.New("getsystemcfg(SC_PHYSMEM) failed")
	}
	return n, nil
}
