//go:build unix

package adapters

import (
	"io"
	"os"
	"syscall"
	"time"

	"github.com/perfgate/adapters/internal/capture"
	"github.com/perfgate/adapters/internal/sysproc"
)

// cutOffReads ends the blocked reads of both pipes with a read deadline in
// the past: os.Pipe files are pollable on Unix.
func (s *stdio) cutOffReads() {
	past := time.Unix(1, 0)
	_ = s.stdoutR.SetReadDeadline(past)
	_ = s.stderrR.SetReadDeadline(past)
}

// drainPending reads what the pipes hold once their readers were cut off:
// output the child wrote before it exited is never dropped. The pipes are
// non-blocking (os.Pipe), so each read takes only what is there; a
// descendant still writing is read for at most maxPendingDrain bytes.
func (s *stdio) drainPending(stdout, stderr *capture.Head) {
	drainNonBlocking(s.stdoutR, stdout)
	drainNonBlocking(s.stderrR, stderr)
}

// maxPendingDrain bounds the final drain of one pipe: 1 MiB, the most a
// Linux pipe can be made to hold.
const maxPendingDrain = 1 << 20

func drainNonBlocking(f *os.File, head *capture.Head) {
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
