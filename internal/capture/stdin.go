package capture

import (
	"io"
	"os"
	"sync"
)

// Feed is a child's standard input read from a caller's io.Reader. The run
// opens it before the spawn and stops it once the spawn failed or the
// child exited, on every path (direct, spawner, cgroup, reader goroutines,
// Windows, os/exec). A nil *Feed is the null device; its methods do
// nothing.
type Feed struct {
	// child is what the child gets as its standard input.
	child *os.File
	// pipeWriter is the write end of the pipe a goroutine copies the
	// caller's reader into; nil when child is the caller's own file.
	pipeWriter *os.File

	mu sync.Mutex
	// exited is set once the child's exit was seen: what the reader
	// returns after that was no part of the child's input.
	exited bool
	// readErr is the reader's own error (never io.EOF) if it came before
	// the exit, and copied the bytes written into the pipe before it.
	readErr error
	copied  int64
}

// OpenFeed prepares the child's standard input from r: nil for a nil r
// (the child then reads the null device), the file itself for an
// *os.File, else a pipe fed by a goroutine that starts at once, so the
// child never waits on the caller to begin writing.
func OpenFeed(r io.Reader) (*Feed, error) {
	switch r := r.(type) {
	case nil:
		return nil, nil
	case *os.File:
		return &Feed{child: r}, nil
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	feed := &Feed{child: pr, pipeWriter: pw}
	go feed.copyFrom(r)
	return feed, nil
}

// copyFrom copies r into the pipe, then closes it: the child reads end of
// file after the last byte, or where the reader failed. A failed write
// means the child is gone or closed its stdin (EPIPE), or the run closed
// the pipe after the exit: what the child did not read stays unread and
// is no error, as with os/exec. A panic in r is not recovered, as with
// os/exec: it ends the program.
func (s *Feed) copyFrom(r io.Reader) {
	w := &pipeWrites{f: s.pipeWriter}
	// io.Copy may hand the copy to r's WriteTo; pipeWrites tells its
	// write errors apart from the reader's.
	_, err := io.Copy(w, r)
	if err != nil && w.err == nil {
		s.mu.Lock()
		if !s.exited {
			s.readErr, s.copied = err, w.n
		}
		s.mu.Unlock()
	}
	// After the error is recorded: a child that exits on this end of file
	// is seen to exit after it.
	_ = s.pipeWriter.Close()
}

// pipeWrites counts what reached the pipe and keeps the first failed
// write's error.
type pipeWrites struct {
	f   *os.File
	n   int64
	err error
}

func (w *pipeWrites) Write(p []byte) (int, error) {
	n, err := w.f.Write(p)
	w.n += int64(n)
	if err != nil && w.err == nil {
		w.err = err
	}
	return n, err
}

// Child is what the child gets as its standard input: nil for a nil s.
func (s *Feed) Child() *os.File {
	if s == nil {
		return nil
	}
	return s.child
}

// CloseChildEnd closes the pipe's read end once the child holds its own
// copy; the caller's file is never closed.
func (s *Feed) CloseChildEnd() {
	if s != nil && s.pipeWriter != nil && s.child != nil {
		_ = s.child.Close()
		s.child = nil
	}
}

// ChildExited marks the moment the child's exit was seen: a reader error
// after it is not reported, for the child's input no longer depends on it.
func (s *Feed) ChildExited() {
	if s == nil || s.pipeWriter == nil {
		return
	}
	s.mu.Lock()
	s.exited = true
	s.mu.Unlock()
}

// Stop ends the copy once the child has exited (and marks the exit if no
// path did sooner): a write blocked on a pipe that a leftover process holds
// open returns. A Read blocked in the caller's reader is not waited for;
// the goroutine ends when that Read returns, and its result is dropped.
func (s *Feed) Stop() {
	if s == nil {
		return
	}
	s.ChildExited()
	s.CloseChildEnd()
	if s.pipeWriter != nil {
		_ = s.pipeWriter.Close()
	}
}

// Failure is the reader's error as the run reports it, with the bytes
// copied before it: nil when the reader reached io.EOF, the child stopped
// reading first, or the reader failed only after the child's exit was
// seen.
func (s *Feed) Failure() (copied int64, err error) {
	if s == nil || s.pipeWriter == nil {
		return 0, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.copied, s.readErr
}
