package spawner

import (
	"errors"
	"time"

	"github.com/perfgate/adapters/internal/spawner/program"
)

// Request is one run as the caller hands it to the spawner.
type Request struct {
	// Path is the program, absolute; Dir the directory the child starts
	// in (absolute on the wire: Run resolves it against the caller's).
	Path, Dir string
	Argv, Env []string
	// Timeout is the run's limit, from the child's start; 0 for none.
	// The caller holds it, not the spawner.
	Timeout time.Duration
}

// encode is q's message for the spawner program, the child to ignore the
// signals of ignored. A request the program cannot take is a
// *FallbackError: the run spawns directly, where it fails or not as it
// would have anyway.
func (q *Request) encode(ignored uint64) ([]byte, error) {
	msg, err := (&program.Request{Path: q.Path, Dir: q.Dir, Argv: q.Argv, Env: q.Env, Ignored: ignored}).Encode()
	switch {
	case errors.Is(err, program.ErrTooLarge):
		return nil, fallback(ReasonRequestTooLarge, "")
	case err != nil:
		return nil, fallback(ReasonHandOver, err.Error())
	}
	return msg, nil
}
