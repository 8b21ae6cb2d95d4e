package runloop

import (
	"time"

	"github.com/perfgate/adapters/internal/capture"
	"github.com/perfgate/adapters/internal/cgroupfs"
	"github.com/perfgate/adapters/internal/killswitch"
	"github.com/perfgate/adapters/internal/sysproc"
	"github.com/perfgate/adapters/internal/winjob"
)

// Plan is everything StartAndWait needs to start the child.
type Plan struct {
	// Path is the program to execute, absolute; Argv its arguments, Dir
	// its working directory (empty: the caller's) and Env its whole
	// environment.
	Path string
	Argv []string
	Dir  string
	Env  []string
	// Timeout is the deadline from the child's start; zero means none.
	Timeout time.Duration
	// Output says where stdout and stderr go; in capture.Capture mode
	// Stdout and Stderr receive them.
	Output         capture.Mode
	Stdout, Stderr *capture.Head
	// Stdin is the child's standard input; nil is the null device. Each
	// loop calls its ChildExited when it sees the exit.
	Stdin *capture.Feed
	// Grace bounds the wait for the output pipes after the child exited.
	Grace time.Duration
	// Tree asks for a cgroup of the run's own under CgroupParent (Linux);
	// Direct for a child started without the spawner (Linux).
	Tree         bool
	CgroupParent string
	Direct       bool
	// DirectWhy is the note of a direct start the caller chose, such as
	// an environment variable's; empty for none.
	DirectWhy string
	// Paths takes paths this machine would not take by itself.
	Paths Paths
}

// Paths makes a run take a path that this machine would not take by
// itself, so that Linux CI tests them all. Only tests set them.
type Paths struct {
	// Readers runs Linux through the reader-goroutine loop of macOS and
	// the BSDs.
	Readers bool
	// NoPidfd takes the path of Linux kernels before 5.3.
	NoPidfd bool
	// Cgroup: FreezeKill kills a cgroup by freezing it, as before Linux
	// 5.14; CloneIntoCgroupFails makes the clone into a run's cgroup
	// fail, as on a kernel without CLONE_INTO_CGROUP.
	Cgroup cgroupfs.RunPaths
}

func (p *Plan) captures() bool { return p.Output == capture.Capture }

// Exit is what StartAndWait learned of a finished run.
type Exit struct {
	// Start is taken just before the spawn, End when the exit was seen.
	Start, End time.Time
	// ExitCode is the child's exit status, -1 when a signal ended it;
	// Signal the signal that ended it, 0 when none did.
	ExitCode int
	Signal   int
	// Cause says whether the deadline or the context killed the run;
	// KillEndedIt whether that kill is what ended the child (a child that
	// exited on its own a moment before the deadline did not time out).
	Cause       killswitch.Cause
	KillEndedIt bool

	// Usage is the child's rusage (Unix); nil where the OS gives none.
	Usage *sysproc.Usage
	// InheritedPeakKiB is the most of Usage's peak RSS that the child can
	// have inherited from the process that spawned it (Linux folds the
	// spawner's peak into a vfork child's ru_maxrss). A peak at or below
	// it is withheld. Zero where nothing is inherited.
	InheritedPeakKiB uint64
	// Job is what Windows recorded for the child and its job.
	Job *winjob.Counters
	// ViaSpawner says the spawner started the child (Linux), so that
	// InheritedPeakKiB is the spawner's peak; SpawnerFallback says why a
	// run that asked for the spawner was started directly; SpawnerNote
	// explains a run the spawner took but did not finish.
	ViaSpawner      bool
	SpawnerFallback string
	SpawnerNote     string
	// Tree is what the run's cgroup gave in tree scope; nil where no
	// cgroup was tried (no cgroups on this OS, or process scope).
	Tree *cgroupfs.Reading
}

// Stage is the step of a run that failed.
type Stage int

const (
	// StageStreams is setting up the child's standard streams.
	StageStreams Stage = iota
	// StageStart is the spawn itself: Path could not be executed.
	StageStart
	// StageWait is learning of the child's exit.
	StageWait
	// StageJob is a step of Windows' job object; Error.Reason names it.
	StageJob
)

// Error is a run that failed before it could be measured. Nothing of it is
// left running.
type Error struct {
	Stage  Stage
	Reason string // for StageJob
	Err    error
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

func fail(stage Stage, err error) error { return &Error{Stage: stage, Err: err} }
