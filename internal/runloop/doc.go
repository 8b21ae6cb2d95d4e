// Package runloop starts a child process, reads its output while it runs,
// kills it at a deadline or when its context ends, and reaps it: the part
// of a run between the plan and the figures. StartAndWait is written once
// per mechanism: on Linux one ppoll loop over the output pipes and a pidfd
// (or the spawner's run socket), on the other Unix systems reader
// goroutines and a blocking wait4, on Windows a job object, elsewhere
// os/exec. It knows nothing of the public API: it takes a Plan and returns
// an Exit, and the adapters package turns that into a RunResult.
package runloop
