//go:build linux

package adapters

// The child's standard streams as raw descriptors, and the one ppoll loop
// that reads its output while waiting for its exit, for both Linux wait
// paths (the direct spawn and the spawner).

import (
	"io"
	"os"
	"time"

	"golang.org/x/sys/unix"

	"github.com/perfgate/adapters/internal/capture"
	"github.com/perfgate/adapters/internal/sysproc"
)

// rawStdio is the child's descriptors 0, 1 and 2 and, in OutputCapture
// mode, the read ends of its output pipes; -1 marks what is not open.
type rawStdio struct {
	child      [3]int
	outR, errR int
	outW, errW int
	stdin      *stdinFeed
}

// openRawStdio prepares the streams of p's child; on error nothing is left
// open. The null device is the long-lived one (sysproc.DevNull).
func openRawStdio(p *runPlan) (*rawStdio, error) {
	s := &rawStdio{outR: -1, errR: -1, outW: -1, errW: -1}
	s.stdin = p.stdin
	null := -1
	var err error
	if s.stdin == nil || p.spec.Output == OutputDiscard {
		if null, err = sysproc.DevNull(); err != nil {
			s.closeAll()
			return nil, pipesError(p.spec, err)
		}
	}
	s.child[0] = null
	if s.stdin != nil {
		s.child[0] = int(s.stdin.child.Fd())
	}
	switch p.spec.Output {
	case OutputInherit:
		s.child[1], s.child[2] = int(os.Stdout.Fd()), int(os.Stderr.Fd())
	case OutputDiscard:
		s.child[1], s.child[2] = null, null
	default:
		if err = pipe(&s.outR, &s.outW); err == nil {
			err = pipe(&s.errR, &s.errW)
		}
		if err != nil {
			s.closeAll()
			return nil, pipesError(p.spec, err)
		}
		s.child[1], s.child[2] = s.outW, s.errW
	}
	return s, nil
}

func pipe(r, w *int) error {
	var fds [2]int
	if err := unix.Pipe2(fds[:], unix.O_CLOEXEC); err != nil {
		return err
	}
	*r, *w = fds[0], fds[1]
	return nil
}

// files is the child's descriptors for syscall.ProcAttr.
func (s *rawStdio) files() []uintptr {
	return []uintptr{uintptr(s.child[0]), uintptr(s.child[1]), uintptr(s.child[2])}
}

// closeChildEnds closes our copies of the child's pipe ends once it holds
// its own.
func (s *rawStdio) closeChildEnds() {
	closeFD(&s.outW)
	closeFD(&s.errW)
	s.stdin.closeChildEnd()
}

// closeAll closes every descriptor still open and stops the stdin copy.
func (s *rawStdio) closeAll() {
	s.closeChildEnds()
	closeFD(&s.outR)
	closeFD(&s.errR)
	s.stdin.stop()
}

func closeFD(fd *int) {
	if *fd >= 0 {
		unix.Close(*fd)
		*fd = -1
	}
}

// pumpOutput is the one ppoll loop of both Linux wait paths. It reads
// stdout and stderr into p's heads as they become readable, and calls
// onExit when exitFD does (a pidfd, or the spawner's run socket) until
// onExit reports the exit. After that it reads what the pipes still bring
// for at most p.grace, for only escaped descendants can still hold them
// open, and then what they hold at that moment: output already written is
// never dropped. An error from ppoll or onExit ends the loop at once.
// exited says whether onExit reported the exit.
func pumpOutput(streams *rawStdio, exitFD int, p *runPlan, onExit func() (bool, error)) (exited bool, err error) {
	fds := [3]unix.PollFd{
		{Fd: int32(streams.outR), Events: unix.POLLIN},
		{Fd: int32(streams.errR), Events: unix.POLLIN},
		{Fd: int32(exitFD), Events: unix.POLLIN},
	}
	heads := [2]*capture.Head{p.stdout, p.stderr}
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
				p.stdin.childExited()
				exited = true
				fds[2].Fd = -1
				graceEnd = time.Now().Add(p.grace)
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
