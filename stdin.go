package adapters

import (
	"io"
	"os"
	"runtime"
	"strconv"
	"sync"
)

// stdinFeed is a child's standard input when CommandSpec.Stdin is set.
// Run opens it before the spawn and stops it once the spawn failed or the
// child exited, on every path (direct, spawner, cgroup, reader goroutines,
// Windows, os/exec).
type stdinFeed struct {
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
	go feed.copyFrom(r)
	return feed, nil
}

// copyFrom copies r into the pipe, then closes it: the child reads end of
// file after the last byte, or where the reader failed. A failed write
// means the child is gone or closed its stdin (EPIPE), or the run closed
// the pipe after the exit: what the child did not read stays unread and
// is no error, as with os/exec. A panic in r is not recovered, as with
// os/exec: it ends the program.
func (s *stdinFeed) copyFrom(r io.Reader) {
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

// closeChildEnd closes the pipe's read end once the child holds its own
// copy; the caller's file is never closed.
func (s *stdinFeed) closeChildEnd() {
	if s != nil && s.pipeWriter != nil && s.child != nil {
		_ = s.child.Close()
		s.child = nil
	}
}

// childExited marks the moment the child's exit was seen: a reader error
// after it is not reported, for the child's input no longer depends on it.
func (s *stdinFeed) childExited() {
	if s == nil || s.pipeWriter == nil {
		return
	}
	s.mu.Lock()
	s.exited = true
	s.mu.Unlock()
}

// stop ends the copy once the child has exited (and marks the exit if no
// path did sooner): a write blocked on a pipe that a leftover process holds
// open returns. A Read blocked in the caller's reader is not waited for;
// the goroutine ends when that Read returns, and its result is dropped.
func (s *stdinFeed) stop() {
	if s == nil {
		return
	}
	s.childExited()
	s.closeChildEnd()
	if s.pipeWriter != nil {
		_ = s.pipeWriter.Close()
	}
}

// failure is the reader's error as Run reports it: nil when the reader
// reached io.EOF, the child stopped reading first, or the reader failed
// only after the child's exit was seen.
func (s *stdinFeed) failure(spec *CommandSpec) *AdapterError {
	if s == nil || s.pipeWriter == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.readErr == nil {
		return nil
	}
	return newError(KindStdinRead, spec.Argv, "after "+strconv.FormatInt(s.copied, 10)+" bytes", s.readErr)
}

// noteStdinFailure records a reader's failure in r's Notes, where JSON
// output shows it.
func noteStdinFailure(r *RunResult, err *AdapterError) {
	r.setNote("stdin", "the Stdin reader failed "+err.Reason+" and the command read end of file there: "+err.Err.Error())
}

// checkStdinFile says what makes f unusable as a child's stdin, if
// anything: a nil or closed *os.File would otherwise give the child a
// closed descriptor 0, or make the spawner refuse it, depending on the
// path. The error is os.ErrInvalid or os.ErrClosed.
func checkStdinFile(f *os.File) (reason string, err error) {
	if f == nil {
		return "Stdin is a nil *os.File", os.ErrInvalid
	}
	closed := false
	if runtime.GOOS == "plan9" {
		// plan9's RawConn does nothing; its Fd has no side effect.
		closed = f.Fd() == ^uintptr(0)
	} else if rc, err := f.SyscallConn(); err != nil || rc.Control(func(uintptr) {}) != nil {
		closed = true
	}
	if closed {
		return "Stdin is a closed *os.File (" + quote(f.Name()) + ")", os.ErrClosed
	}
	return "", nil
}
