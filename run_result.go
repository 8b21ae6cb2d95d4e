package adapters

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/perfgate/adapters/internal/capture"
)

// RunResult is what one run of a command measured. It marshals to the
// Sample object of perfgate's perfgate.run.v1 receipt schema, plus keys of
// its own that perfgate ignores.
//
// Pointer figures are nil when this platform (or this run) cannot give
// them; nil is omitted from JSON, a measured zero is written as 0. No
// figure is ever estimated. Value reads one in one expression
// (rss, ok := adapters.Value(res.MaxRSSKB)), and Get by its Figure name.
//
// A result that Run returns together with an error never reads as a
// success: Succeeded is false and Err returns that error. What its fields
// hold then depends on how far the run got:
//
//   - never started (an invalid spec, a missing program, a context that
//     had ended, a failed spawn): ExitCode is -1 and every other field is
//     its zero value (Wall 0, every figure nil);
//   - started and then killed because the context ended: everything
//     measured up to the kill (ExitCode -1, Signal set where the system
//     has signals);
//   - started and run to its end, with a failed CommandSpec.Stdin reader
//     (ErrStdinRead): the complete result.
//
// The error is not part of the JSON: a result decoded from JSON has none.
type RunResult struct {
	// WallMs is Wall truncated to whole milliseconds.
	WallMs uint64 `json:"wall_ms"`
	// ExitCode is the program's exit status, or -1 when a signal ended it
	// (see Signal) or when the run never started (see Err).
	ExitCode int `json:"exit_code"`
	// TimedOut reports that the run reached CommandSpec.Timeout and was
	// killed (with every process of its group).
	TimedOut bool `json:"timed_out,omitempty"`

	// CPUMs is UserCPUUs + SystemCPUUs, truncated to whole milliseconds.
	// Nil on plan9, js/wasm and wasip1, which report no CPU time.
	CPUMs *uint64 `json:"cpu_ms,omitempty"`
	// PageFaults counts major page faults (those that read from disk); on
	// Windows all page faults, which Windows does not split. Nil where
	// CPUMs is, and on Windows when the counters cannot be read.
	PageFaults *uint64 `json:"page_faults,omitempty"`
	// CtxSwitches is VoluntaryCtxSwitches + InvoluntaryCtxSwitches. Nil on
	// Windows, which keeps no per-process count, and where CPUMs is nil.
	CtxSwitches *uint64 `json:"ctx_switches,omitempty"`
	// MaxRSSKB is the peak resident set size in KiB (1024 bytes); in tree
	// scope with a cgroup, the cgroup's memory.peak. Nil where CPUMs is,
	// and on Linux when it is not above the peak of the process that
	// started the child, which a child inherits at exec (Notes then says
	// so, with that floor: a few tens of KiB through the spawner, the
	// default on linux/amd64 and linux/arm64).
	MaxRSSKB *uint64 `json:"max_rss_kb,omitempty"`
	// MaxRSSAtMostKB is set only when MaxRSSKB is withheld for being
	// possibly the peak of the process that started the child: it is the
	// kernel's ru_maxrss for the child, which is not above that process's
	// floor, and the child's own peak is at most this (in KiB). Nil
	// whenever MaxRSSKB is set, and where no peak was read at all.
	MaxRSSAtMostKB *uint64 `json:"max_rss_at_most_kb,omitempty"`
	// IOReadBytes counts bytes the kernel read from block devices for the
	// command (not reads served from the page cache). Nil on macOS and the
	// BSDs, which count operations, not bytes, and where CPUMs is nil.
	IOReadBytes *uint64 `json:"io_read_bytes,omitempty"`
	// IOWriteBytes counts bytes the command caused to be written to block
	// devices. Nil where IOReadBytes is.
	IOWriteBytes *uint64 `json:"io_write_bytes,omitempty"`
	// NetworkPackets is always nil: no platform gives an honest
	// per-process packet count.
	NetworkPackets *uint64 `json:"network_packets,omitempty"`
	// EnergyUJ is the CPU package energy used during the run in
	// microjoules (Linux RAPL). It covers the whole machine, not only the
	// command. Nil outside Linux and where the RAPL counters are missing or
	// not readable (most kernels let only root read them).
	EnergyUJ *uint64 `json:"energy_uj,omitempty"`
	// BinaryBytes is the size of the program file that was executed. It is
	// set by every runner.
	BinaryBytes *uint64 `json:"binary_bytes,omitempty"`

	// Stdout holds the first bytes the command wrote to standard output,
	// at most the spec's output cap. JSON writes it as a string, each
	// invalid UTF-8 sequence replaced by one U+FFFD as perfgate's Rust
	// from_utf8_lossy does, and omits it when empty.
	Stdout []byte `json:"stdout,omitempty"`
	// Stderr is Stdout's counterpart for standard error.
	Stderr []byte `json:"stderr,omitempty"`

	// Wall is the elapsed time from just before the program was started
	// to the moment it was reaped, at full resolution.
	Wall time.Duration `json:"wall_ns"`
	// UserCPUUs is the CPU time spent in user mode, in microseconds. Nil
	// where CPUMs is.
	UserCPUUs *uint64 `json:"user_cpu_us,omitempty"`
	// SystemCPUUs is the CPU time spent in the kernel, in microseconds.
	// Nil where CPUMs is.
	SystemCPUUs *uint64 `json:"system_cpu_us,omitempty"`
	// MinorPageFaults counts page faults served without I/O. Nil on
	// Windows (see PageFaults) and where CPUMs is nil.
	MinorPageFaults *uint64 `json:"minor_page_faults,omitempty"`
	// VoluntaryCtxSwitches counts the times the command gave up the CPU
	// to wait (for I/O, a lock, a sleep). Nil where CtxSwitches is.
	VoluntaryCtxSwitches *uint64 `json:"voluntary_ctx_switches,omitempty"`
	// InvoluntaryCtxSwitches counts the times the command was preempted.
	// Nil where CtxSwitches is.
	InvoluntaryCtxSwitches *uint64 `json:"involuntary_ctx_switches,omitempty"`
	// Signal is the number of the signal that ended the command, nil when
	// it exited on its own (and always nil on Windows).
	Signal *int `json:"signal,omitempty"`
	// StdoutTotalBytes counts every byte the command wrote to standard
	// output, kept or not. It is nil when the output was not read through
	// a pipe (CommandSpec.Output is OutputInherit or OutputDiscard).
	StdoutTotalBytes *uint64 `json:"stdout_total_bytes,omitempty"`
	// StderrTotalBytes counts every byte written to standard error; nil
	// as StdoutTotalBytes is.
	StderrTotalBytes *uint64 `json:"stderr_total_bytes,omitempty"`
	// StdoutTruncated reports that Stdout holds less than was written:
	// *StdoutTotalBytes > len(Stdout).
	StdoutTruncated bool `json:"stdout_truncated,omitempty"`
	// StderrTruncated reports that Stderr holds less than was written.
	StderrTruncated bool `json:"stderr_truncated,omitempty"`

	// Sources says, for each resource figure the result holds, keyed by
	// the figure's JSON key ("cpu_ms", "max_rss_kb", ...), which
	// processes it covers (ScopeProcess or ScopeTree) and where it was
	// read. It is set only by a StdProcessRunner whose Scope is
	// ScopeTree; nil otherwise, and then omitted from JSON.
	Sources map[string]FigureSource `json:"sources,omitempty"`

	// Notes explains, keyed by a figure's JSON key, why a figure this
	// platform normally gives is missing from this result or is not what
	// was asked for: a withheld "max_rss_kb" (with the floor in KiB and
	// what would give the figure), a tree-scope figure that fell back to
	// the process's. Under the key "spawner" it says why a run the spawner
	// would have started was started directly, under "stdin" that the
	// CommandSpec.Stdin reader failed (and after how many bytes), which
	// Run also returns as an ErrStdinRead error. Nil when there is
	// nothing to explain, and then omitted from JSON.
	Notes map[string]string `json:"notes,omitempty"`

	// runErr is the error Run returned with this result, nil for a run
	// that Run returned without an error.
	runErr error
	// command is the command line of a run StdProcessRunner ran that did
	// not succeed (Argv joined with spaces), for the errors of Err; empty
	// otherwise, so that a FakeProcessRunner's results compare equal to
	// those configured.
	command string
}

// notStarted is the result Run returns, with err, for a run that never
// started: it cannot be mistaken for an exit with status 0.
func notStarted(err error) RunResult {
	return RunResult{ExitCode: -1, runErr: err}
}

// withRunErr returns r carrying err, the error Run returns with it.
func (r RunResult) withRunErr(err error) RunResult {
	r.runErr = err
	return r
}

// returned is r as StdProcessRunner.Run returns it for argv, with err: it
// carries err, and the command line when the run did not succeed.
func (r RunResult) returned(argv []string, err error) RunResult {
	r.runErr = err
	if !r.Succeeded() {
		r.command = strings.Join(argv, " ")
	}
	return r
}

// setNote records why the figure key is missing or not what was asked.
func (r *RunResult) setNote(key, note string) {
	if r.Notes == nil {
		r.Notes = make(map[string]string)
	}
	r.Notes[key] = note
}

// Succeeded reports whether the run exited with status 0 on its own, before
// any deadline, and Run returned no error with it.
func (r RunResult) Succeeded() bool {
	return r.runErr == nil && !r.TimedOut && r.Signal == nil && r.ExitCode == 0
}

// Err returns nil when the run succeeded. Otherwise it returns the error
// Run returned with this result, if any, and else an *AdapterError of kind
// KindTimeout or KindNonZeroExit saying why (naming the command when
// StdProcessRunner ran it), for callers that treat those runs as failures (as os/exec's Cmd.Run
// does). So one expression, runner.Run's result's Err, covers every way a
// run can fail.
func (r RunResult) Err() error {
	var kind ErrorKind
	var reason string
	switch {
	case r.runErr != nil:
		return r.runErr
	case r.TimedOut:
		kind, reason = KindTimeout, fmt.Sprintf("killed after %v", r.Wall.Round(time.Millisecond))
	case r.Signal != nil:
		kind, reason = KindNonZeroExit, "terminated by "+signalName(*r.Signal)
	case r.ExitCode != 0:
		kind, reason = KindNonZeroExit, "exit status "+itoa(r.ExitCode)
	default:
		return nil
	}
	return &AdapterError{Kind: kind, Command: r.command, Reason: reason}
}

// runResultJSON shadows the byte-slice fields of RunResult with strings,
// so that JSON carries text (as perfgate's Sample does) rather than base64.
type runResultJSON struct {
	plainRunResult
	Stdout string `json:"stdout,omitempty"`
	Stderr string `json:"stderr,omitempty"`
	Wall   *int64 `json:"wall_ns,omitempty"`
}

type plainRunResult RunResult

// MarshalJSON writes r as perfgate's Sample plus this package's extra keys.
func (r RunResult) MarshalJSON() ([]byte, error) {
	wall := int64(r.Wall)
	return json.Marshal(runResultJSON{
		plainRunResult: plainRunResult(r),
		Stdout:         capture.LossyUTF8(r.Stdout),
		Stderr:         capture.LossyUTF8(r.Stderr),
		Wall:           &wall,
	})
}

// UnmarshalJSON reads what MarshalJSON writes, and perfgate's own samples:
// when wall_ns is absent, Wall is taken from wall_ms.
func (r *RunResult) UnmarshalJSON(data []byte) error {
	var decoded runResultJSON
	if err := json.Unmarshal(data, &decoded); err != nil {
		return err
	}
	*r = RunResult(decoded.plainRunResult)
	r.Stdout = bytesOrNil(decoded.Stdout)
	r.Stderr = bytesOrNil(decoded.Stderr)
	if decoded.Wall != nil {
		r.Wall = time.Duration(*decoded.Wall)
	} else {
		r.Wall = time.Duration(r.WallMs) * time.Millisecond
	}
	return nil
}

func bytesOrNil(s string) []byte {
	if s == "" {
		return nil
	}
	return []byte(s)
}

// uint64Ptr returns a pointer to v, for the optional figures.
func uint64Ptr(v uint64) *uint64 { return &v }
