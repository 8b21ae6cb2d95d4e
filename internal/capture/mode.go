package capture

// Mode is where a child's stdout and stderr go.
type Mode int

const (
	// Capture gives the child pipes whose read ends the run reads.
	Capture Mode = iota
	// Inherit gives the child the caller's own stdout and stderr.
	Inherit
	// Discard gives the child the null device.
	Discard
)
