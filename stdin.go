package adapters

import (
	"io"
	"os"
)

// stdinFeed is a child's standard input when CommandSpec.Stdin is set.
type stdinFeed struct {
	// child is what the child gets as its standard input.
	child *os.File
	// pipeWriter is the write end of the pipe a goroutine copies the
	// caller's reader into; nil when child is the caller's own file.
	pipeWriter *os.File
}

// openStdin prepares the child's standard input from r: nil for a nil r
// (the child then reads the null device), the file itself for an
// *os.File, else a pipe fed by a goroutine that starts at once, so the
// child never waits on the caller to begin writing.
func openStdin(r io.Reader) (*stdinFeed, error) {
	switch r := r.(type) {
	case nil:
		return nil, nil
	case *os.File:
		return &stdinFeed{child: r}, nil
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	feed := &stdinFeed{child: pr, pipeWriter: pw}
	go func() {
		// A write error means the child is gone or stopped reading: what
		// it did not read stays unread, as with os/exec.
		_, _ = io.Copy(pw, r)
		_ = pw.Close()
	}()
	return feed, nil
}

// closeChildEnd closes the pipe's read end once the child holds its own
// copy; the caller's file is never closed.
func (s *stdinFeed) closeChildEnd() {
	if s != nil && s.pipeWriter != nil && s.child != nil {
		_ = s.child.Close()
		s.child = nil
	}
}

// stop ends the copy once the child has exited: a write blocked on a pipe
// that a leftover process holds open returns. A Read blocked in the
// caller's reader ends when that reader returns.
func (s *stdinFeed) stop() {
	if s == nil {
		return
	}
	s.closeChildEnd()
	if s.pipeWriter != nil {
		_ = s.pipeWriter.Close()
	}
}
