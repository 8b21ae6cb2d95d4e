package adapters

// cutOffReads ends the blocked reads of both pipes by closing the read
// ends. os.Pipe handles are not pollable on Windows, so there is no read
// deadline; Close cancels the pending ReadFile (CancelIoEx), the readers
// return, and closeAll later finds the files already closed.
func (s *stdio) cutOffReads() {
	_ = s.stdoutR.Close()
	_ = s.stderrR.Close()
}
