// Package adapters runs a command and measures it truthfully: wall time,
// CPU time, peak memory, page faults, context switches and I/O of the
// process it started, stopped at a deadline together with what it spawned,
// with a bounded head of its output; and it describes the host it ran on.
//
// It is the Go counterpart of perfgate's Rust crate perfgate-adapters.
// [RunResult] and [HostInfo] marshal to the Sample and HostInfo objects of
// perfgate's perfgate.run.v1 receipts. Code above it depends on the
// interfaces [ProcessRunner] and [HostProbe], and uses [FakeProcessRunner]
// and [FakeHostProbe] in its unit tests.
//
// A figure the platform or the run cannot give is nil (omitted from JSON),
// never estimated; a measured zero is 0. Which figure comes from which
// system call on each platform, and the measured cost of a run, are in the
// README; design notes are in the repository's docs directory.
//
// # What Run guarantees
//
// [StdProcessRunner.Run] on Unix:
//
//   - Argv runs without a shell. Argv[0] is resolved before anything starts,
//     in the PATH the child will have (Env's, if it sets one); a match
//     through a relative PATH entry is refused, as [os/exec.LookPath] does.
//     Env adds to the inherited environment, a later entry winning.
//   - The child starts in a new process group. Wall time runs on the
//     monotonic clock from just before the start to the moment its exit is
//     seen. It is reaped with wait4 on its own pid, so the figures are the
//     child's own (plus the descendants it waited for), even with other
//     runs in flight in the same process.
//   - Standard input is the null device unless [CommandSpec.Stdin] is set.
//     An *os.File is handed to the child as it is (a closed one is
//     [ErrInvalidSpec]); any other reader is copied into a pipe until the
//     command exits. A reader's error before the exit gives the child end
//     of file and Run the complete result with an [ErrStdinRead] error
//     wrapping it, also noted in Notes["stdin"]; a child that stops
//     reading is no error.
//   - With [OutputCapture] (the default [CommandSpec.Output]) each of
//     stdout and stderr keeps its first OutputCapBytes bytes
//     ([DefaultOutputCapBytes] when 0, none when negative); the rest is read
//     and counted but not kept, so the child never blocks and the runner's
//     memory stays bounded. [OutputInherit] passes the caller's own stdout
//     and stderr, [OutputDiscard] the null device; then nothing is counted
//     and StdoutTotalBytes and StderrTotalBytes are nil.
//   - At the deadline ([CommandSpec.Timeout]) the child itself (through its
//     pidfd on Linux, so even one that left its group) and its whole process
//     group get SIGKILL, and Run returns a result with TimedOut set,
//     ExitCode -1 and a nil error. A non-zero exit is a result too; [RunResult.Err] turns
//     either into an error for callers that want one.
//   - When ctx ends, the group is killed the same way and Run returns the
//     result with an [*AdapterError] of kind [KindKilled] ([ErrKilled])
//     wrapping ctx.Err(). A ctx that has already ended starts nothing: the
//     error is then of kind [KindRunCommand] ([ErrRunCommand]), also
//     wrapping ctx.Err(). So errors.Is tells the three apart: never
//     started (ErrRunCommand), started and killed by the context
//     (ErrKilled), stopped at the deadline (a nil error and a result whose
//     Err is [ErrTimeout]).
//   - When the child exits, whatever it left in its process group is
//     killed. Descendants that left the group (setsid daemons) are not; if
//     they keep the output pipes open, Run waits at most
//     [StdProcessRunner.PipeGrace] ([DefaultPipeGrace] when 0), then reads
//     what the pipes hold at that moment and returns: output the child
//     wrote is never dropped. The grace is not part of the wall time.
//   - A figure the platform gives but this run does not is explained in
//     [RunResult.Notes]: a withheld MaxRSSKB with its floor, a spawner
//     fallback, a tree-scope figure that fell back to the process's.
//   - The descriptors the runner keeps for the life of the process live
//     above descriptor 2, and only successes are cached: one failure (an
//     EMFILE) fails its own Run alone.
//   - A spec that can never run ([ErrEmptyArgv], [ErrInvalidSpec]) or a
//     program that cannot start ([ErrRunCommand]) is an error, and a failed
//     Run leaves no descriptor, goroutine or process behind (but for a
//     Stdin copy blocked in the caller's reader's Read, which ends when
//     that Read returns).
//
// # Peak memory on Linux
//
// Go starts children with vfork semantics, and exec folds the spawning
// process's peak into the child's ru_maxrss (golang/go#32054). So MaxRSSKB
// is nil when ru_maxrss is not above the most the caller can have passed
// on (its own ru_maxrss, or its VmHWM plus the error of the kernel's
// per-CPU RSS counters): the caller's figure is never reported as the
// child's. [RunResult.MaxRSSAtMostKB] then bounds the child's peak. On
// linux/amd64 and linux/arm64 children are therefore started by the
// spawner (unless [StdProcessRunner.Direct]): a program of a few KiB of
// machine code, written in Go assembly, that the library runs from a
// sealed memfd on the first run, whose own few tens of KiB are the only
// floor, so every real command gets its own figure, as GNU time gives it.
// No code of the caller runs in it. Its child sees what a direct child
// would (the caller's current directory, ignored signals, credentials,
// umask, limits and cgroup); a run whose caller changed that state since
// the spawner started is spawned directly, and Notes says so. The caller
// keeps the deadline itself, so a hung spawner cannot hold a run with a
// Timeout or a cancellable ctx, and a dead spawner is restarted.
// PERFGATE_ADAPTERS_NO_SPAWNER=1 turns it off for every runner.
//
// # Whole-tree mode (Linux cgroup v2)
//
// With [StdProcessRunner.Scope] set to [ScopeTree], each run gets a cgroup v2
// of its own under CgroupParent, made before the clock starts. The child is
// cloned straight into it, so it and everything it starts are counted from
// their first instruction and cannot leave it without privilege. Whatever
// is left in the cgroup is killed when the child exits, at the deadline and
// when ctx ends. The CPU time then covers every process of the run (from
// cpu.stat, cross-checked against wait4's), peak memory is memory.peak and
// block I/O is io.stat, where the controllers are enabled. A figure the
// cgroup cannot give keeps its wait4 value; a run never fails for want of a
// cgroup. [RunResult.Sources] says for each figure whether it covers the
// tree or the process, where it was read, and why it is not the tree's.
//
// # Other platforms
//
// On Windows a kill-on-close job object takes the place of the process
// group: the child is started suspended and put in its own job before it
// runs, a deadline or an ended ctx terminates the job, and the job's
// accounting gives the tree's CPU time, page faults and I/O. Exit codes are
// signed 32-bit values and Signal is nil. macOS and the BSDs follow the Unix
// contract above. On plan9 a deadline kills the child only, and js/wasm and
// wasip1 cannot start processes at all ([ErrRunCommand]).
//
// # Fakes
//
// [FakeProcessRunner] starts nothing: it returns results configured per
// exact argv (one, a series, or a [RunnerFunc]), records every call, and
// fails invalid specs and ended contexts as the real runner does; a
// configured Wall past the spec's Timeout or the context's deadline comes
// back timed out or killed, as from the real runner. [FakeExit],
// [FakeSignaled], [FakeTimedOut] and [FakeNotFound] are the common
// failures shaped as the real runner returns them, and an argv with
// nothing configured fails with [ErrNotConfigured], which no real run
// returns. Of a configured result's Wall and WallMs, the one left zero is
// derived from the other. [FakeHostProbe] returns a fixed [HostInfo].
package adapters
