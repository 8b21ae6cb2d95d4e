// Package program is the spawner program of docs/spawner.md: a few KiB of
// machine code, written in Go assembly for linux/amd64 and linux/arm64,
// that the library copies out of its own text at run time into a minimal
// static ELF and executes from a sealed memfd (or, where memfd execution is
// refused, a temporary file). No Go runtime and no code of the caller runs
// in it, so its own peak memory, which exec passes on to every child it
// starts (golang/go#32054), is a few tens of KiB whatever the caller is.
//
// The program is mechanics only: it receives a request on its control
// socket (descriptor 3), starts the child with clone and exec, reports
// the child's pidfd and start time, kills the child's process group when
// asked, reaps the child with wait4 and replies with its wait status,
// wall time and struct rusage. Every decision (deadlines, fallbacks,
// figures) is the caller's (package spawner).
//
// The wire format compiles on every OS and is fuzzed: the assembly's
// checks of a request are exactly DecodeRequest's.
//
// The Go side: Supported says whether this platform has the program;
// Image is its ELF image, built once from this binary's own text; Open
// gives a descriptor of it that has been seen to run (a sealed memfd,
// else an O_TMPFILE file in an exec-allowed place), ExecPath the path to
// execute it by, and Launch starts it (the launcher, the null device as
// stdio, the control socket as descriptor 3, the hello), for Open's trial
// and for the caller (package spawner) alike.
package program
