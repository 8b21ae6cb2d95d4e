// Package spawner is the spawner of docs/spawner.md (Linux): a small
// long-lived process that starts the children of process-scope runs, so
// that the address space a child inherits at exec (golang/go#32054) is the
// spawner's few MiB, not the caller's.
//
// The spawner is the program's own executable (/proc/self/exe) started
// with EnvKey set: this package's init function sees the variable before
// the program's main package initializes and serves requests instead,
// never returning. The root package imports this one, so the hook is in
// every program that imports it. A launcher copy starts the spawner and
// exits at once, so the spawner is not a child of the caller; it exits
// when its control socket reaches end of file, that is when the caller
// has exited.
//
// The API is narrow: Run hands one request to the process's spawner
// (started on first use, restarted within bounds when it has died) and
// waits for it, returning the child's Outcome; a *FallbackError when the
// run was not handed over and nothing ran (its Reason says why), a
// *StartError when the program could not be started. Live, Reset and
// TestHooks exist for tests.
//
// Files: protocol.go and wire.go (the messages and their codec, on every
// OS), fallback.go (the typed reasons), hook_linux.go (the init hook and
// the launcher), launch_linux.go (starting a spawner), conn_linux.go
// and current_linux.go (the caller's connection and the process's
// spawner), run_linux.go and run_kill_linux.go (a run on the caller's
// side), caller_state_linux.go
// (what a child inherits, compared before each run), server_linux.go,
// child_linux.go, receive_linux.go and footprint_linux.go (the spawner's
// side).
package spawner
