// Package spawner is the caller's side of the spawner of docs/spawner.md
// (Linux): a small long-lived process, the assembly program of package
// program, that starts the children of process-scope runs, so that the
// address space a child inherits at exec (golang/go#32054) is the
// spawner's few tens of KiB, not the caller's.
//
// The spawner is started on first use from the program's image (a sealed
// memfd, or a temporary file), restarted within bounds when it has died,
// and exits when its control socket reaches end of file, that is when the
// caller has exited. It runs no code of the caller: no init hook, nothing
// of the caller's size or side effects.
//
// The API is narrow: Start hands one request to the process's spawner, or
// returns a *FallbackError when the run was not handed over and nothing ran
// (its Why says why); the caller's output loop then waits for the Run
// (ExitFD, OnExitFD) and Finish returns the child's Outcome, or a
// *StartError when the program could not be started. Every decision is
// taken here, on the caller's side: the deadline and the context's kill
// (through the child's pidfd, which the spawner hands back), the checks of
// the caller's state, the fallbacks, the floor of the child's peak. Live,
// Reset and TestHooks exist for the root package's tests only.
//
// Starting the program (its image, the launch and the hello) is package
// program's; reading the caller's /proc files is package procfs's.
package spawner
