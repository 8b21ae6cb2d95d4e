//go:build unix || windows

package capture

import (
	"os"
	"sync"
	"time"
)

// Pipes makes one pipe; the run loops choose the kind (PollablePipes for
// readers that may be cut off by a deadline, RawPipes for Linux's ppoll
// loop, which must not register them with Go's poller).
type Pipes func() (r, w *os.File, err error)

// PollablePipes is os.Pipe: on Unix the read ends take read deadlines.
func PollablePipes() (r, w *os.File, err error) { return os.Pipe() }

// Stdio is a child's standard streams: stdin (the null device or a Feed),
// and stdout and stderr as pipes (Capture), the caller's own (Inherit) or
// the null device (Discard). It is the one place they are built, for every
// run loop.
type Stdio struct {
	child [3]uintptr
	// Stdout and Stderr are the read ends in Capture mode, else nil.
	Stdout, Stderr *os.File
	// childEnds are what the child holds a copy of once started and the
	// run must close then: the pipes' write ends, a null device opened
	// for this run.
	childEnds []*os.File
	stdin     *Feed
	readers   sync.WaitGroup
}

// OpenStdio prepares a child's streams; on error nothing is left open.
func OpenStdio(mode Mode, stdin *Feed, pipe Pipes) (*Stdio, error) {
	s := &Stdio{stdin: stdin}
	var null uintptr
	if stdin == nil || mode == Discard {
		fd, owned, err := nullDevice()
		if err != nil {
			return nil, err
		}
		null = fd
		if owned != nil {
			s.childEnds = append(s.childEnds, owned)
		}
	}
	s.child[0] = null
	if stdin != nil {
		s.child[0] = stdin.Child().Fd()
	}
	switch mode {
	case Inherit:
		s.child[1], s.child[2] = os.Stdout.Fd(), os.Stderr.Fd()
	case Discard:
		s.child[1], s.child[2] = null, null
	default:
		outW, errW, err := s.openPipes(pipe)
		if err != nil {
			s.CloseAll()
			return nil, err
		}
		s.child[1], s.child[2] = outW.Fd(), errW.Fd()
	}
	return s, nil
}

func (s *Stdio) openPipes(pipe Pipes) (outW, errW *os.File, err error) {
	if s.Stdout, outW, err = pipe(); err != nil {
		return nil, nil, err
	}
	s.childEnds = append(s.childEnds, outW)
	if s.Stderr, errW, err = pipe(); err != nil {
		return nil, nil, err
	}
	s.childEnds = append(s.childEnds, errW)
	return outW, errW, nil
}

// ChildFiles is the child's descriptors 0, 1 and 2.
func (s *Stdio) ChildFiles() []uintptr { return s.child[:] }

// ChildFDs is ChildFiles as ints, for the spawner's request.
func (s *Stdio) ChildFDs() [3]int {
	return [3]int{int(s.child[0]), int(s.child[1]), int(s.child[2])}
}

// CloseChildEnds closes our copies of what the child holds once it holds
// its own, so that the read ends see end of file when the child's side
// closes.
func (s *Stdio) CloseChildEnds() {
	s.stdin.CloseChildEnd()
	closeFiles(s.childEnds)
	s.childEnds = nil
}

// CloseAll closes every descriptor still open and stops the stdin copy; it
// is safe to call twice.
func (s *Stdio) CloseAll() {
	s.stdin.Stop()
	s.CloseChildEnds()
	closeFiles([]*os.File{s.Stdout, s.Stderr})
}

func closeFiles(files []*os.File) {
	for _, f := range files {
		if f != nil {
			_ = f.Close() // a second Close returns os.ErrClosed, nothing more
		}
	}
}

// StartReading closes the child's ends and, in Capture mode, starts a
// reader goroutine on each output pipe, into stdout and stderr (the run
// loops that block in a wait: macOS and the BSDs, Windows, and Linux under
// a test path). Linux's own loop reads in its ppoll instead.
func (s *Stdio) StartReading(stdout, stderr *Head) {
	s.CloseChildEnds()
	if s.Stdout == nil {
		return
	}
	s.readers.Add(2)
	go drain(&s.readers, stdout, s.Stdout)
	go drain(&s.readers, stderr, s.Stderr)
}

// FinishReading stops the stdin copy and waits for both readers to reach
// end of file, at most grace: a descendant that escaped the process group
// (or job) may hold the pipes open for ever. Past the grace the reads are
// cut off (cutOffReads) and what the pipes still hold is read
// (drainPending): output already written is never dropped.
func (s *Stdio) FinishReading(stdout, stderr *Head, grace time.Duration) {
	s.stdin.Stop()
	if s.Stdout == nil {
		return
	}
	done := make(chan struct{})
	go func() { s.readers.Wait(); close(done) }()
	timer := time.NewTimer(grace)
	defer timer.Stop()
	select {
	case <-done:
	case <-timer.C:
		s.cutOffReads()
		<-done
		s.drainPending(stdout, stderr)
	}
}

func drain(wg *sync.WaitGroup, head *Head, f *os.File) {
	defer wg.Done()
	_, _ = head.ReadFrom(f)
}
