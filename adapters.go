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
	// ctx ended the run; and, with the complete result, when the Stdin
	// reader failed (ErrStdinRead, see CommandSpec.Stdin). A result
	// returned with an error never reads as a success: its Succeeded is
	// false and its Err returns that error (RunResult says what its
	// fields hold then).
	Run(ctx context.Context, spec CommandSpec) (RunResult, error)
}

// HostProbe describes the machine commands run on.
type HostProbe interface {
	// Probe returns what it can learn of the host; figures it cannot read
	// are nil.
	Probe(opts HostProbeOptions) HostInfo
}

// NoSpawnerEnvKey names an environment variable that, set to a non-empty
// value other than "0", makes every StdProcessRunner spawn directly, as
// StdProcessRunner.Direct does. It matters only on Linux, the one system
// with a spawner.
const NoSpawnerEnvKey = "PERFGATE_ADAPTERS_NO_SPAWNER"

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
	// does: on Unix the child and the descendants it waited for, from
	// wait4 (on Windows the job object's whole tree, in either scope: see
	// ScopeProcess), and leaves RunResult.Sources nil.
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

	// Direct makes Run start children itself instead of through the
	// spawner. By default, on linux/amd64 and linux/arm64, process-scope
	// runs are started by the spawner (docs/spawner.md): a program of a few
	// KiB of machine code that the library writes to a sealed memfd and
	// starts on the first run, whose own few tens of KiB are all that a
	// child inherits at exec, so that MaxRSSKB is the child's own peak
	// whatever the caller's size. Its child sees the caller's current
	// directory and ignored signals, credentials, umask, limits and cgroup;
	// a run whose caller changed the last four since the spawner started
	// spawns directly, and Notes says so (docs/spawner.md, "What a child
	// inherits", lists the rest).
	//
	// A direct child inherits the caller's peak, so MaxRSSKB is then nil
	// for children smaller than the caller (MaxRSSAtMostKB bounds them).
	// Tree scope, the other Unix systems, Linux on other architectures
	// and NoSpawnerEnvKey always spawn directly.
	Direct bool
}

var _ ProcessRunner = StdProcessRunner{}

// Run runs spec as described in the package documentation.
func (r StdProcessRunner) Run(ctx context.Context, spec CommandSpec) (RunResult, error) {
	res, err := r.runSpec(ctx, &spec)
	return res.returned(spec.Argv, err), err
}

func (r StdProcessRunner) runSpec(ctx context.Context, spec *CommandSpec) (RunResult, error) {
	if err := spec.validate(); err != nil {
		return notStarted(err), err
	}
	switch r.Scope {
	case "", ScopeProcess, ScopeTree:
	default:
		err := newError(KindInvalidSpec, spec.Argv, "unknown StdProcessRunner.Scope "+quote(string(r.Scope)), nil)
		return notStarted(err), err
	}
	if err := ctx.Err(); err != nil {
		err := newError(KindRunCommand, spec.Argv, "not started", err)
		return notStarted(err), err
	}
	return r.run(ctx, spec)
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

// RunnerFunc is a function with the signature of ProcessRunner.Run, and a
// ProcessRunner itself, as http.HandlerFunc is an http.Handler: a runner
// written inline, to wrap another runner or to fake one in a test
// (FakeProcessRunner.SetFunc takes one for a single argv).
type RunnerFunc func(ctx context.Context, spec CommandSpec) (RunResult, error)

var _ ProcessRunner = RunnerFunc(nil)

// Run calls f(ctx, spec).
func (f RunnerFunc) Run(ctx context.Context, spec CommandSpec) (RunResult, error) {
	return f(ctx, spec)
}
