// Package adapters runs a command and tells the truth about it: wall time,
// CPU time, peak memory, page faults, context switches and I/O of the
// process it started, stopped at a deadline with its whole process group,
// with a bounded head of its output; and it fingerprints the host it ran on.
//
// It is the Go counterpart of perfgate's Rust crate perfgate-adapters: the
// one place where operating system APIs are touched. Code above it depends
// on the two interfaces ProcessRunner and HostProbe and uses
// FakeProcessRunner and FakeHostProbe in its unit tests.
//
// RunResult and HostInfo marshal to the Sample and HostInfo objects of
// perfgate's perfgate.run.v1 receipt schema. A figure the platform cannot
// give is nil (omitted from JSON), never estimated.
//
// # Semantics of StdProcessRunner on Unix
//
//   - The child is started in a new process group with the null device as
//     standard input. Wall time runs on the monotonic clock from just
//     before the start to the moment the child has exited.
//   - The child is reaped with wait4 on its own pid, so every figure is the
//     child's own (plus the descendants it waited for), even with other
//     runs in flight in the same process.
//   - At the deadline (CommandSpec.Timeout) the whole process group gets
//     SIGKILL; Run returns a RunResult with TimedOut set and a nil error.
//     When ctx is cancelled the group is killed the same way and Run
//     returns the RunResult with an error wrapping ctx.Err().
//   - When the child exits, whatever it left running in its process group
//     is killed. Descendants that left the group (setsid daemons) are not
//     killed; if they keep the output pipes open, Run waits at most
//     PipeGrace (100 ms by default) after the child exits and returns what
//     was captured by then.
//   - Each of stdout and stderr keeps its first OutputCapBytes bytes; the
//     rest is read and counted but not kept, so the child never blocks and
//     the runner's memory stays bounded whatever the child writes.
//   - A child started with vfork semantics (as Go starts every child)
//     inherits the spawning process's high-water mark at exec
//     (golang/go#32054). So on Linux MaxRSSKB is nil when it is not above
//     the caller's own peak. With StdProcessRunner.Spawner set, children
//     are started by a spawner instead: a copy of the program started on
//     the first run (a package init function serves it), whose few MiB are
//     the only floor, so small children get their own figure. The README's
//     "Peak memory" tells the details.
//
// On Windows a job object takes the place of the process group: the child
// joins its own kill-on-close job before it runs anything, and the job's
// accounting gives the tree's CPU, faults and I/O. On plan9 a deadline kills
// the child only, and js/wasm and wasip1 cannot start processes at all
// (ErrRunCommand). The README has a table of which figure comes from which
// operating system call on each platform.
//
// # Whole-tree mode (Linux cgroup v2)
//
// With StdProcessRunner.Scope set to ScopeTree, each run gets a cgroup v2
// of its own, made under CgroupParent before the clock starts. The child is
// cloned straight into it (CLONE_INTO_CGROUP, Linux 5.7), so the child and
// everything it starts are counted from their first instruction, and none
// of them can leave it without privilege, setsid or not.
//
//   - When the child exits, whatever is left in the cgroup is killed
//     (cgroup.kill, Linux 5.14; on older kernels the cgroup is frozen, its
//     processes killed, and thawed), and so it is at the deadline and when
//     ctx is done. The process group is killed too.
//   - Once the cgroup is empty (at most 2 s), the runner reads cpu.stat
//     (the CPU time of every process that ran in it), memory.peak (the
//     peak of the memory charged to it; needs the memory controller and
//     Linux 5.19) and io.stat (block I/O bytes, summed over devices;
//     needs the io controller), then removes the cgroup. None of this
//     counts in the wall time.
//   - A figure the cgroup cannot give keeps its wait4 value: when no
//     cgroup can be made or the child cannot be started in it, all of
//     them; when a controller is not enabled, that figure. The cgroup's
//     CPU time is cross-checked against wait4's, as BenchExec does: the
//     cgroup saw every process wait4 saw, so a cgroup figure below
//     wait4's by more than 1 ms plus 1 % is distrusted, and wait4's kept.
//   - RunResult.Sources says, for each resource figure, ScopeTree or
//     ScopeProcess, the source, and why a figure is not the tree's.
package adapters
