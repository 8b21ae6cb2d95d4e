//go:build solaris

package hostmem

import (
	"errors"
	"math/bits"

	"golang.org/x/sys/unix"
)

// scPhysPages is _SC_PHYS_PAGES of <sys/unistd.h> on Solaris and illumos
// (the same value in Rust's libc crate). x/sys/unix has Sysconf on these
// systems but not this constant.
const scPhysPages = 500

// physicalBytes is sysconf(_SC_PHYS_PAGES) pages of the system page
// size. GOOS=illumos also builds solaris files.
func physicalBytes() (uint64, error) {
	pages, err := unix.Sysconf(scPhysPages)
	if err != nil {
		return 0, err
	}
	if pages <= 0 {
		return 0, errors.New("sysconf(_SC_PHYS_PAGES): no pages")
	}
	hi, lo := bits.Mul64(uint64(pages), uint64(unix.Getpagesize()))
	if hi != 0 {
		return 0, errors.New("sysconf(_SC_PHYS_PAGES): byte count overflows uint64")
	}
	return lo, nil
}
