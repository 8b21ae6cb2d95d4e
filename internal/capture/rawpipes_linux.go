package capture

import (
	"os"

	"golang.org/x/sys/unix"
)

// RawPipes makes a blocking close-on-exec pipe that Go's poller does not
// know of (os.NewFile takes a blocking descriptor as it is), for Linux's
// ppoll loop, which waits on the descriptors itself.
func RawPipes() (r, w *os.File, err error) {
	var fds [2]int
	if err := unix.Pipe2(fds[:], unix.O_CLOEXEC); err != nil {
		return nil, nil, os.NewSyscallError("pipe2", err)
	}
	return os.NewFile(uintptr(fds[0]), "|0"), os.NewFile(uintptr(fds[1]), "|1"), nil
}
