//go:build darwin || dragonfly || freebsd || netbsd || openbsd

package hostmem

import (
	"errors"
	"runtime"

	"golang.org/x/sys/unix"
)

// physicalBytes reads the physical memory sysctl of each BSD:
//
//   - macOS (and iOS, which builds darwin files): hw.memsize, the
//     installed RAM in bytes as a 64-bit integer.
//   - FreeBSD, DragonFly: hw.physmem, an unsigned long, so 4 bytes on
//     32-bit FreeBSD (386, arm) and 8 bytes elsewhere.
//   - OpenBSD: hw.physmem, which x/sys/unix resolves to HW_PHYSMEM64
//     (CTL_HW 19), a 64-bit integer, as sysctl(8) does.
//   - NetBSD: hw.physmem64; its hw.physmem is a 32-bit int that stops at
//     2 GiB.
func physicalBytes() (uint64, error) {
	name := "hw.physmem"
	switch runtime.GOOS {
	case "darwin", "ios":
		name = "hw.memsize"
	case "netbsd":
		name = "hw.physmem64"
	}
	n, err := unix.SysctlUint64(name)
	if errors.Is(err, unix.EIO) {
		// SysctlUint64 says EIO when the kernel returned other than 8
		// bytes: the 4-byte unsigned long of 32-bit FreeBSD.
		n32, err32 := unix.SysctlUint32(name)
		return uint64(n32), err32
	}
	return n, err
}
