//go:build unix || windows

package adapters

// The child's standard streams for the runners that start it with
// syscall.StartProcess and read its output with goroutines (macOS and the
// BSDs, Windows, and Linux under a test hook). Only the way a blocked read
// is cut off differs (cutOffReads in stdio_unix.go and stdio_windows.go).

import (
	"os"
	"sync"
	"time"

	"github.com/perfgate/adapters/internal/capture"
)

// stdio holds the child's standard streams: stdin (the null device or
// CommandSpec.Stdin), and stdout and stderr as pipes (OutputCapture), the
// caller's own (OutputInherit) or the null device (OutputDiscard).
type stdio struct {
	null             *os.File // opened only when a stream needs it
	stdin            *stdinFeed
	stdoutR, stdoutW *os.File // pipes, in OutputCapture mode only
	stderrR, stderrW *os.File
	readers          sync.WaitGroup
}

// openStdio prepares the streams of p's child; on error nothing is left
// open.
func openStdio(p *runPlan) (*stdio, error) {
	s := &stdio{stdin: p.stdin}
	var err error
	if s.stdin == nil || p.spec.Output == OutputDiscard {
		if s.null, err = os.OpenFile(os.DevNull, os.O_RDWR, 0); err != nil {
			s.closeAll()
			return nil, pipesError(p.spec, err)
		}
	}
	if p.captures() {
		if s.stdoutR, s.stdoutW, err = os.Pipe(); err == nil {
			s.stderrR, s.stderrW, err = os.Pipe()
		}
		if err != nil {
			s.closeAll()
			return nil, pipesError(p.spec, err)
		}
	}
	return s, nil
}

// childFiles is the child's descriptors 0, 1 and 2.
func (s *stdio) childFiles(mode OutputMode) []uintptr {
	files := make([]uintptr, 3)
	if s.stdin != nil {
		files[0] = s.stdin.child.Fd()
	} else {
		files[0] = s.null.Fd()
	}
	switch mode {
	case OutputInherit:
		files[1], files[2] = os.Stdout.Fd(), os.Stderr.Fd()
	case OutputDiscard:
		files[1], files[2] = s.null.Fd(), s.null.Fd()
	default:
		files[1], files[2] = s.stdoutW.Fd(), s.stderrW.Fd()
	}
	return files
}

// startReading closes the parent's copies of the child's ends, so that the
// readers see end of file when the child's side closes, and starts a
// reader on each output pipe.
func (s *stdio) startReading(p *runPlan) {
	s.stdin.closeChildEnd()
	closeFiles(&s.null, &s.stdoutW, &s.stderrW)
	if !p.captures() {
		return
	}
	s.readers.Add(2)
	go drain(&s.readers, p.stdout, s.stdoutR)
	go drain(&s.readers, p.stderr, s.stderrR)
}

// finishReading stops the stdin copy and waits for both readers to reach
// end of file, at most grace: a descendant that escaped the process group
// (or job) may hold the pipes open for ever. Past the grace the reads are
// cut off (cutOffReads) and what the pipes still hold is read
// (drainPending).
func (s *stdio) finishReading(p *runPlan) {
	s.stdin.stop()
	if s.stdoutR == nil {
		return
	}
	done := make(chan struct{})
	go func() { s.readers.Wait(); close(done) }()
	timer := time.NewTimer(p.grace)
	defer timer.Stop()
	select {
	case <-done:
	case <-timer.C:
		s.cutOffReads()
		<-done
		s.drainPending(p.stdout, p.stderr)
	}
}

// closeAll closes every descriptor still open; it is safe to call twice.
func (s *stdio) closeAll() {
	s.stdin.stop()
	closeFiles(&s.null, &s.stdoutW, &s.stderrW, &s.stdoutR, &s.stderrR)
}

func closeFiles(files ...**os.File) {
	for _, f := range files {
		if *f != nil {
			(*f).Close()
			*f = nil
		}
	}
}

func drain(wg *sync.WaitGroup, head *capture.Head, f *os.File) {
	defer wg.Done()
	_, _ = head.ReadFrom(f)
}
