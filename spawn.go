//go:build unix || windows

package adapters

// What the runners that start the child with syscall.StartProcess and read
// its output with goroutines share (macOS and the BSDs, Windows): the
// child's standard streams and the start error. Only the way a blocked
// read is cut off differs (cutOffReads in stdio_unix.go and
// stdio_windows.go).

import (
	"io/fs"
	"os"
	"sync"
	"time"

	"github.com/perfgate/adapters/internal/capture"
)

// startError reports a failed spawn of path.
func startError(spec *CommandSpec, path string, err error) error {
	return newError(KindRunCommand, spec.Argv, "cannot start program", &fs.PathError{Op: "exec", Path: path, Err: err})
}

// stdio holds the child's standard streams: the null device as stdin and a
// pipe each for stdout and stderr.
type stdio struct {
	stdin            *os.File
	stdoutR, stdoutW *os.File
	stderrR, stderrW *os.File
}

func openStdio() (*stdio, error) {
	p := &stdio{}
	var err error
	if p.stdin, err = os.Open(os.DevNull); err != nil {
		return nil, err
	}
	if p.stdoutR, p.stdoutW, err = os.Pipe(); err != nil {
		p.closeAll()
		return nil, err
	}
	if p.stderrR, p.stderrW, err = os.Pipe(); err != nil {
		p.closeAll()
		return nil, err
	}
	return p, nil
}

// closeChildEnds closes the parent's copies of the child's descriptors.
func (p *stdio) closeChildEnds() {
	for _, f := range []**os.File{&p.stdin, &p.stdoutW, &p.stderrW} {
		if *f != nil {
			(*f).Close()
			*f = nil
		}
	}
}

// closeAll closes every descriptor still open; it is safe to call twice.
func (p *stdio) closeAll() {
	p.closeChildEnds()
	for _, f := range []**os.File{&p.stdoutR, &p.stderrR} {
		if *f != nil {
			(*f).Close()
			*f = nil
		}
	}
}

// finishReading waits for both readers to reach end of file, at most grace:
// a descendant that escaped the process group (or job) may hold the pipes
// open for ever. Past the grace the reads are cut off (cutOffReads).
func (p *stdio) finishReading(readers *sync.WaitGroup, grace time.Duration) {
	done := make(chan struct{})
	go func() { readers.Wait(); close(done) }()
	timer := time.NewTimer(grace)
	defer timer.Stop()
	select {
	case <-done:
	case <-timer.C:
		p.cutOffReads()
		<-done
	}
}

func drain(wg *sync.WaitGroup, head *capture.Head, f *os.File) {
	defer wg.Done()
	_, _ = head.ReadFrom(f)
}
