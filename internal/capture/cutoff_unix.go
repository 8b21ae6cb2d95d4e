//go:build unix

package capture

// How a reader blocked on a pipe is cut off on Unix, and the null device.

import (
	"io"
	"os"
	"syscall"
	"time"

	"github.com/perfgate/adapters/internal/sysproc"
)

// nullDevice is the long-lived null device (sysproc.DevNull): no run
// closes it.
func nullDevice() (fd uintptr, owned *os.File, err error) {
	n, err := sysproc.DevNull()
	return uintptr(n), nil, err
}

// cutOffReads ends the blocked reads of both pipes with a read deadline in
// the past: os.Pipe files are pollable on Unix.
func (s *Stdio) cutOffReads() {
	past := time.Unix(1, 0)
	_ = s.Stdout.SetReadDeadline(past)
	_ = s.Stderr.SetReadDeadline(past)
}

// drainPending reads what the pipes hold once their readers were cut off:
// output the child wrote before it exited is never dropped. The pipes are
// non-blocking (os.Pipe), so each read takes only what is there; a
// descendant still writing is read for at most maxPendingDrain bytes.
func (s *Stdio) drainPending(stdout, stderr *Head) {
	drainNonBlocking(s.Stdout, stdout)
	drainNonBlocking(s.Stderr, stderr)
}

// maxPendingDrain bounds the final drain of one pipe: 1 MiB, the most a
// Linux pipe can be made to hold.
const maxPendingDrain = 1 << 20

func drainNonBlocking(f *os.File, head *Head) {
	_ = f.SetReadDeadline(time.Time{}) // the cut-off's deadline would refuse the reads
	raw, err := f.SyscallConn()
	if err != nil {
		return
	}
	_, _ = head.ReadFrom(io.LimitReader(rawReader{raw}, maxPendingDrain))
}

// rawReader reads a non-blocking descriptor without waiting: a read that
// would block is the end.
type rawReader struct{ raw syscall.RawConn }

func (r rawReader) Read(p []byte) (int, error) {
	var n int
	var readErr error
	err := r.raw.Read(func(fd uintptr) bool {
		n, readErr = sysproc.IgnoringEINTRIO(func() (int, error) { return syscall.Read(int(fd), p) })
		return true // never wait for the poller
	})
	switch {
	case err != nil:
		return 0, err
	case readErr != nil || n <= 0:
		return 0, io.EOF
	}
	return n, nil
}
