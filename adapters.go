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

import (
	"context"
	"time"
)

// ProcessRunner runs one command and measures it.
type ProcessRunner interface {
	// Run starts spec, waits for it (at most spec.Timeout, if set) and
	// returns what was measured. A run that exits non-zero or times out is
	// a measurement, not an error: err is nil and the result says so. err
	// is non-nil when the command could not run (an *AdapterError) or when
	// ctx ended the run.
	Run(ctx context.Context, spec CommandSpec) (RunResult, error)
}

// HostProbe describes the machine commands run on.
type HostProbe interface {
	// Probe returns what it can learn of the host; figures it cannot read
	// are nil.
	Probe(opts HostProbeOptions) HostInfo
}

// DefaultPipeGrace is how long StdProcessRunner waits, after the child has
// exited and its process group was killed, for the output pipes to close.
const DefaultPipeGrace = 100 * time.Millisecond

// StdProcessRunner is the ProcessRunner for the operating system the
// program runs on. Its zero value is ready to use and it is safe for
// concurrent use.
type StdProcessRunner struct {
	// PipeGrace bounds how long Run waits for stdout and stderr to reach
	// end of file after the child has exited, for when an escaped
	// descendant keeps them open. Zero means DefaultPipeGrace. It does not
	// count in the wall time.
	PipeGrace time.Duration

	// Scope chooses which processes the resource figures (CPU time, peak
	// memory, block I/O) cover. The zero value measures as ScopeProcess
	// does: the child and the descendants it waited for, from wait4, and
	// leaves RunResult.Sources nil.
	//
	// ScopeTree measures every process of the run, waited for or not: on
	// Linux each run gets a fresh cgroup v2 under CgroupParent, the child
	// starts in it, and everything in it is killed when the child exits
	// (see "Whole-tree mode" in the package documentation). Each figure
	// the cgroup cannot give (no writable cgroup v2, a controller not
	// enabled, another operating system) keeps its process value, and
	// RunResult.Sources says for every figure which it is, and why.
	Scope Scope

	// CgroupParent is the cgroup v2 directory under which ScopeTree
	// creates a cgroup per run, for example
	// /sys/fs/cgroup/system.slice/run-u57.scope. Empty means the caller's
	// own cgroup, found in /proc/self/cgroup and /proc/self/mountinfo at
	// the first run in tree scope. The caller must be allowed to create
	// directories in it. CPU time and killing need nothing more. Peak
	// memory and block I/O need the memory and io controllers enabled in
	// its cgroup.subtree_control, which the kernel allows only in a
	// cgroup that holds no process itself (the root excepted), so not in
	// the caller's own cgroup. It is not used in process scope.
	CgroupParent string

	// Spawner makes Run start children on Linux through the spawner: a
	// small process, a copy of this program started on the first such
	// run, whose own few MiB are all that a child inherits at exec (see
	// "Peak memory" in the README), so that MaxRSSKB is the child's own
	// peak whatever the caller's size. It costs one round trip between
	// two processes per run (about 0.1 ms on a 2-vCPU VM, 1.25x to 1.45x
	// the C floor instead of 1.1x), so it is off by default: a direct
	// child inherits the caller's peak, and MaxRSSKB is then nil for
	// children smaller than the caller. PERFGATE_ADAPTERS_NO_SPAWNER=1
	// turns it off for every runner. Tree scope always spawns directly.
	Spawner bool
}

var (
	_ ProcessRunner = StdProcessRunner{}
	_ ProcessRunner = (*StdProcessRunner)(nil)
)

// Run runs spec as described in the package documentation.
func (r StdProcessRunner) Run(ctx context.Context, spec CommandSpec) (RunResult, error) {
	if err := spec.validate(); err != nil {
		return RunResult{}, err
	}
	switch r.Scope {
	case "", ScopeProcess, ScopeTree:
	default:
		return RunResult{}, newError(KindInvalidSpec, spec.Argv, "unknown StdProcessRunner.Scope "+quote(string(r.Scope)), nil)
	}
	if err := ctx.Err(); err != nil {
		return RunResult{}, newError(KindRunCommand, spec.Argv, "not started", err)
	}
	return r.run(ctx, &spec)
}

func (r StdProcessRunner) pipeGrace() time.Duration {
	if r.PipeGrace <= 0 {
		return DefaultPipeGrace
	}
	return r.PipeGrace
}

// StdHostProbe is the HostProbe for the operating system the program runs
// on. Its zero value is ready to use and it is safe for concurrent use.
type StdHostProbe struct{}

var _ HostProbe = StdHostProbe{}

// Probe reports the host's OS and architecture in perfgate's naming, its
// logical CPU count and total memory, and, only when opts asks for it, the
// SHA-256 of its hostname.
func (StdHostProbe) Probe(opts HostProbeOptions) HostInfo {
	info := HostInfo{
		OS:          PerfgateOS(runtimeGOOS),
		Arch:        PerfgateArch(runtimeGOARCH),
		CPUCount:    logicalCPUCount(),
		MemoryBytes: totalMemoryBytes(),
	}
	if opts.IncludeHostnameHash {
		info.HostnameHash = hostnameHash()
	}
	return info
}
