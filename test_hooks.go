package adapters

import "github.com/perfgate/adapters/internal/runloop"

// testHooks lets tests take paths that this machine would not take by
// itself, so that Linux CI covers them. Every field is false or empty in a
// program; only tests set them, never concurrently with a run.
var testHooks struct {
	// direct starts every run directly, as StdProcessRunner.Direct does,
	// so that the tests written for the default runner test the direct
	// spawn too.
	direct bool
	// paths are the run loop's own (reader goroutines on Linux, no
	// pidfd, a cgroup killed by freezing, a failed clone into a cgroup).
	paths runloop.Paths
}
