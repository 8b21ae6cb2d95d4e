package adapters

import "github.com/perfgate/adapters/internal/capture"

// cutOffReads ends the blocked reads of both pipes by closing the read
// ends. os.Pipe handles are not pollable on Windows, so there is no read
// deadline; Close cancels the pending ReadFile (CancelIoEx), the readers
// return, and closeAll later finds the files already closed.
func (s *stdio) cutOffReads() {
	_ = s.stdoutR.Close()
	_ = s.stderrR.Close()
}

// drainPending has nothing to read: on Windows the cut-off closed the
// pipes. A reader blocked in ReadFile returns data as soon as it is
// written, so what a child wrote before exiting was read unless the
// reader goroutine was not scheduled within the grace.
func (s *stdio) drainPending(stdout, stderr *capture.Head) {}
