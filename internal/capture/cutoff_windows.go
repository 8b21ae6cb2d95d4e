package capture

// How a reader blocked on a pipe is cut off on Windows, and the null
// device.

import "os"

// nullDevice opens the null device for one run; the run closes it once
// the child holds its copy.
func nullDevice() (fd uintptr, owned *os.File, err error) {
	f, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		return 0, nil, err
	}
	return f.Fd(), f, nil
}

// cutOffReads ends the blocked reads of both pipes by closing the read
// ends. os.Pipe handles are not pollable on Windows, so there is no read
// deadline; Close cancels the pending ReadFile (CancelIoEx), the readers
// return, and CloseAll later finds the files already closed.
func (s *Stdio) cutOffReads() {
	_ = s.Stdout.Close()
	_ = s.Stderr.Close()
}

// drainPending has nothing to read: on Windows the cut-off closed the
// pipes. A reader blocked in ReadFile returns data as soon as it is
// written, so what a child wrote before exiting was read unless the
// reader goroutine was not scheduled within the grace.
func (s *Stdio) drainPending(stdout, stderr *Head) {}
