//go:build unix

package sysproc

import (
	"io/fs"
	"os"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// OpenAboveStdio opens name read-only, close-on-exec, at a descriptor above
// 2, for a file kept open for the life of the process. A caller that closed
// its stdin would otherwise get it as descriptor 0: a later dup2 onto 0
// would swap it under us, and a child handed it would read the caller's
// data.
func OpenAboveStdio(name string, mode int) (*os.File, error) {
	fd, err := IgnoringEINTRIO(func() (int, error) { return syscall.Open(name, mode|syscall.O_CLOEXEC, 0) })
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	if fd, err = MoveAboveStdio(fd); err != nil {
		return nil, &fs.PathError{Op: "fcntl", Path: name, Err: err}
	}
	return os.NewFile(uintptr(fd), name), nil
}

// MoveAboveStdio returns fd itself when it is above 2, else a close-on-exec
// duplicate above 2, closing fd.
func MoveAboveStdio(fd int) (int, error) {
	if fd > 2 {
		return fd, nil
	}
	// ForkLock keeps a concurrent fork from inheriting the duplicate
	// before it is marked close-on-exec (not every Unix has
	// F_DUPFD_CLOEXEC).
	syscall.ForkLock.RLock()
	moved, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD, 3)
	if err == nil {
		syscall.CloseOnExec(moved)
	}
	syscall.ForkLock.RUnlock()
	syscall.Close(fd)
	if err != nil {
		return -1, err
	}
	return moved, nil
}

// CloseFDs closes every descriptor of fds.
func CloseFDs(fds []int) {
	for _, fd := range fds {
		unix.Close(fd)
	}
}

// DevNull is the null device, opened at the first run that needs it and
// kept: every such child gets it, which spares two system calls per run.
// It lives above descriptor 2 (OpenAboveStdio); a failed open is not
// remembered.
var DevNull = CachedOpen(os.DevNull, unix.O_RDWR)

// CachedOpen returns a function that opens name at its first success and
// returns that descriptor from then on.
func CachedOpen(name string, mode int) func() (int, error) {
	var mu sync.Mutex
	var f *os.File
	return func() (int, error) {
		mu.Lock()
		defer mu.Unlock()
		if f == nil {
			opened, err := OpenAboveStdio(name, mode)
			if err != nil {
				return -1, err
			}
			f = opened
		}
		return int(f.Fd()), nil
	}
}
