package runloop

// How output is read while waiting, on Linux: one ppoll loop over the two
// output pipes and the exit descriptor, for both Linux wait paths (the
// direct spawn and the spawner).

import (
	"io"
	"os"
	"time"

	"golang.org/x/sys/unix"

	"github.com/perfgate/adapters/internal/capture"
	"github.com/perfgate/adapters/internal/sysproc"
)

// pumpOutput is the one ppoll loop of both Linux wait paths. It reads
// stdout and stderr into p's heads as they become readable, and calls
// onExit when exitFD does (a pidfd, or the spawner's run socket) until
// onExit reports the exit. After that it reads what the pipes still bring
// for at most p.Grace, for only escaped descendants can still hold them
// open, and then what they hold at that moment: output already written is
// never dropped. An error from ppoll or onExit ends the loop at once.
// exited says whether onExit reported the exit.
func pumpOutput(streams *capture.Stdio, exitFD int, p *Plan, onExit func() (bool, error)) (exited bool, err error) {
	fds := [3]unix.PollFd{
		{Fd: fdOf(streams.Stdout), Events: unix.POLLIN},
		{Fd: fdOf(streams.Stderr), Events: unix.POLLIN},
		{Fd: int32(exitFD), Events: unix.POLLIN},
	}
	heads := [2]*capture.Head{p.Stdout, p.Stderr}
	open := 0
	for i := range heads {
		if fds[i].Fd >= 0 {
			open++
		}
	}
	var graceEnd time.Time
	for open > 0 || !exited {
		n, err := sysproc.PpollUntil(fds[:], graceEnd)
		if err != nil {
			return exited, err
		}
		if n == 0 { // the grace is over
			drainReady(fds[:2], heads)
			break
		}
		if !exited && fds[2].Revents != 0 {
			done, err := onExit()
			if done {
				p.Stdin.ChildExited()
				exited = true
				fds[2].Fd = -1
				graceEnd = time.Now().Add(p.Grace)
			}
			if err != nil {
				return exited, err
			}
		}
		for i := range heads {
			if fds[i].Fd < 0 || fds[i].Revents == 0 {
				continue
			}
			if _, err := heads[i].ReadOnce(fdReader(fds[i].Fd)); err != nil {
				fds[i].Fd = -1 // end of file, or the pipe is unusable
				open--
			}
		}
	}
	return exited, nil
}

// fdOf is f's descriptor for ppoll; -1 (ignored by ppoll) for no pipe.
func fdOf(f *os.File) int32 {
	if f == nil {
		return -1
	}
	return int32(f.Fd())
}

// drainReady reads from each pipe still open exactly what it holds now
// (FIONREAD): the writer may still be alive, so no read may wait for more.
func drainReady(fds []unix.PollFd, heads [2]*capture.Head) {
	for i := range heads {
		if fds[i].Fd < 0 {
			continue
		}
		pending, err := unix.IoctlGetInt(int(fds[i].Fd), unix.TIOCINQ)
		if err != nil || pending <= 0 {
			continue
		}
		_, _ = heads[i].ReadFrom(io.LimitReader(fdReader(fds[i].Fd), int64(pending)))
	}
}

// fdReader reads a raw descriptor; a read of 0 bytes is the end of file.
type fdReader int32

func (f fdReader) Read(p []byte) (int, error) {
	n, err := sysproc.IgnoringEINTRIO(func() (int, error) { return unix.Read(int(f), p) })
	switch {
	case err != nil:
		return 0, err
	case n == 0:
		return 0, io.EOF
	}
	return n, nil
}
