package adapters

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// FakeProcessRunner is a ProcessRunner for unit tests of code that runs
// commands: it starts nothing and returns results configured in advance,
// chosen by the exact argv of the spec, and it records every call.
//
// Its zero value is ready to use and it is safe for concurrent use.
//
// Run behaves like StdProcessRunner at the edges:
//
//   - every call is recorded in History first, whatever happens next,
//     including calls with an invalid spec or a cancelled context;
//   - an invalid spec gets the same error as from the real runner
//     (ErrEmptyArgv, ErrInvalidSpec) and the result of a run that never
//     started (see RunResult);
//   - a context that has already ended gets an *AdapterError of kind
//     KindRunCommand wrapping ctx.Err(), with that result too;
//   - otherwise the outcome configured for the argv is returned (the last
//     SetResult, SetResults, SetFunc or SetError for that argv wins), else
//     the fallback (see SetFallback), else an error wrapping
//     ErrNotConfigured, which names the argv and those configured and which
//     no real run returns; the same for a call after the last of a
//     SetResults series.
//
// At the deadlines it behaves as the real runner, taking a configured
// result's Wall as how long the run would take: a result whose Wall is
// longer than spec.Timeout is returned timed out (as FakeTimedOut, with the
// rest of the result kept) and a nil error; one whose Wall reaches past
// ctx's deadline, or for which ctx ended while a SetFunc function ran, is
// returned killed (Wall up to the kill, ExitCode -1, the kill signal) with
// an ErrKilled error wrapping the context's. FakeExit, FakeSignaled,
// FakeTimedOut and FakeNotFound give the common failures as the real
// runner returns them; a result carrying an error (FakeNotFound) is
// returned with it.
//
// The spec's Cwd, Env, OutputCapBytes, Stdin and Output are recorded but
// do not change the outcome (Stdin is not read). Results are
// copied in and out: neither the value given to SetResult or SetFallback
// nor a returned RunResult shares memory with what the runner keeps.
//
// Wall and WallMs of a configured result are kept consistent, as the real
// runner's are: a result given only WallMs (perfgate's key) gets Wall =
// WallMs milliseconds, one given only Wall gets WallMs = Wall truncated to
// milliseconds, and when both are given and disagree Wall (the full
// resolution figure) wins and WallMs is derived from it.
//
// A FakeProcessRunner value is a ProcessRunner too: a copy shares the
// configuration and the history of the runner it was copied from, so
// passing runner or *runner to code under test is the same. A copy of a
// zero value made before its first configuration shares nothing (it
// reports so from Run); NewFakeProcessRunner's runner has no such edge.
type FakeProcessRunner struct {
	state *fakeState
}

// fakeState is what every copy of a FakeProcessRunner shares.
type fakeState struct {
	mu       sync.Mutex
	outcomes map[string]*fakeOutcome
	fallback *RunResult
	history  []CommandSpec
}

// fakeInit guards the lazy creation of a zero FakeProcessRunner's state.
var fakeInit sync.Mutex

// shared returns f's state, creating it for a zero value.
func (f *FakeProcessRunner) shared() *fakeState {
	fakeInit.Lock()
	defer fakeInit.Unlock()
	if f.state == nil {
		f.state = new(fakeState)
	}
	return f.state
}

// fakeOutcome is what Run returns for one argv: err, else fn's outcome,
// else the next of seq (when seq is not nil), else result.
type fakeOutcome struct {
	argv   []string
	result RunResult
	err    error
	seq    []RunResult
	next   int
	fn     RunnerFunc
}

var (
	_ ProcessRunner = FakeProcessRunner{}
	_ ProcessRunner = (*FakeProcessRunner)(nil)
)

// NewFakeProcessRunner returns an empty FakeProcessRunner, the same as a
// pointer to its zero value.
func NewFakeProcessRunner() *FakeProcessRunner {
	f := &FakeProcessRunner{}
	f.shared()
	return f
}

// Run records spec and returns the outcome configured for spec.Argv, as
// described on FakeProcessRunner.
func (f FakeProcessRunner) Run(ctx context.Context, spec CommandSpec) (RunResult, error) {
	res, err := f.run(ctx, spec)
	return res.withRunErr(err), err
}

func (f FakeProcessRunner) run(ctx context.Context, spec CommandSpec) (RunResult, error) {
	if f.state == nil {
		err := fmt.Errorf("%w: %q: a zero FakeProcessRunner copied before it was configured shares nothing with the original; use NewFakeProcessRunner",
			ErrNotConfigured, spec.Argv)
		return notStarted(err), err
	}
	st := f.state
	st.mu.Lock()
	st.history = append(st.history, cloneCommandSpec(spec))
	if err := spec.validate(); err != nil {
		st.mu.Unlock()
		return notStarted(err), err
	}
	if err := ctx.Err(); err != nil {
		st.mu.Unlock()
		err := newError(KindRunCommand, spec.Argv, "not started", err)
		return notStarted(err), err
	}
	outcome, ok := st.outcomes[argvKey(spec.Argv)]
	if ok && outcome.fn != nil {
		st.mu.Unlock() // fn may block until ctx ends: other runs go on
		r, err := outcome.fn(ctx, cloneCommandSpec(spec))
		if err != nil {
			return r, err
		}
		return atTheEdges(ctx, &spec, r)
	}
	defer st.mu.Unlock()
	var r RunResult
	switch {
	case ok && outcome.err != nil:
		return notStarted(outcome.err), outcome.err
	case ok && outcome.seq != nil:
		if outcome.next >= len(outcome.seq) {
			err := fmt.Errorf("%w: %q: its %d results were all returned", ErrNotConfigured, spec.Argv, len(outcome.seq))
			return notStarted(err), err
		}
		r = cloneRunResult(outcome.seq[outcome.next])
		outcome.next++
	case ok:
		r = cloneRunResult(outcome.result)
	case st.fallback != nil:
		r = cloneRunResult(*st.fallback)
	default:
		err := fmt.Errorf("%w: %q%s", ErrNotConfigured, spec.Argv, st.configured())
		return notStarted(err), err
	}
	if r.runErr != nil {
		return r, r.runErr
	}
	return atTheEdges(ctx, &spec, r)
}

// ErrNotConfigured is the error of a FakeProcessRunner's Run for a spec
// whose argv has no outcome configured (nor a fallback), or whose
// SetResults series was all returned. It matches none of the errors a
// real runner returns (it is no *AdapterError), so a test whose argv has a
// typo fails rather than passing as a failed start would.
var ErrNotConfigured = errors.New("fake: no outcome configured")

// configured lists the argvs that have an outcome, for the error about
// one that has none: a typo shows next to what was meant. st.mu is held.
func (st *fakeState) configured() string {
	if len(st.outcomes) == 0 {
		return " (nothing is configured)"
	}
	argvs := make([]string, 0, len(st.outcomes))
	for _, o := range st.outcomes {
		argvs = append(argvs, fmt.Sprintf("%q", o.argv))
	}
	slices.Sort(argvs)
	const most = 5
	more := ""
	if len(argvs) > most {
		more = fmt.Sprintf(" and %d more", len(argvs)-most)
		argvs = argvs[:most]
	}
	return " (configured: " + strings.Join(argvs, ", ") + more + ")"
}

// SetResult makes Run return a copy of r and a nil error for a spec whose
// Argv is exactly argv (element by element: ["a b"] is not ["a", "b"]). It
// replaces whatever an earlier SetResult or SetError configured for argv.
func (f *FakeProcessRunner) SetResult(argv []string, r RunResult) {
	f.set(argv, fakeOutcome{result: withConsistentWall(cloneRunResult(r))})
}

// SetResults makes Run return copies of rs, one per call and in order,
// for a spec whose Argv is exactly argv: a series, for testing a median or
// an outlier gate. A call after the last fails (see FakeProcessRunner). It
// replaces whatever was configured for argv before.
func (f *FakeProcessRunner) SetResults(argv []string, rs ...RunResult) {
	seq := make([]RunResult, len(rs))
	for i, r := range rs {
		seq[i] = withConsistentWall(cloneRunResult(r))
	}
	f.set(argv, fakeOutcome{seq: seq})
}

// SetFunc makes Run return what fn returns for a spec whose Argv is exactly
// argv, after recording the call and checking the spec and the context as
// for any argv: the fake's form for outcomes that depend on the spec, the
// call or the context. fn gets a copy of the spec and may be called
// concurrently; the runner's lock is not held while it runs. It replaces
// whatever was configured for argv before.
func (f *FakeProcessRunner) SetFunc(argv []string, fn RunnerFunc) {
	f.set(argv, fakeOutcome{fn: fn})
}

// SetError makes Run return err itself (so errors.Is and errors.As see
// what the caller configured) and the result of a run that never started
// (ExitCode -1, Err returning err) for a spec whose Argv is exactly argv. It replaces whatever an earlier SetResult or SetError
// configured for argv. A nil err configures a zero RunResult and a nil
// error.
func (f *FakeProcessRunner) SetError(argv []string, err error) {
	f.set(argv, fakeOutcome{err: err})
}

func (f *FakeProcessRunner) set(argv []string, outcome fakeOutcome) {
	st := f.shared()
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.outcomes == nil {
		st.outcomes = make(map[string]*fakeOutcome)
	}
	outcome.argv = slices.Clone(argv)
	st.outcomes[argvKey(argv)] = &outcome
}

// SetFallback makes Run return a copy of r and a nil error for every valid
// spec whose argv has no outcome of its own. A later call replaces it;
// Clear removes it.
func (f *FakeProcessRunner) SetFallback(r RunResult) {
	clone := withConsistentWall(cloneRunResult(r))
	st := f.shared()
	st.mu.Lock()
	defer st.mu.Unlock()
	st.fallback = &clone
}

// History returns a copy of every spec Run was called with, in call order,
// including the calls that failed. The copies share no memory with the
// runner's record.
func (f *FakeProcessRunner) History() []CommandSpec {
	st := f.shared()
	st.mu.Lock()
	defer st.mu.Unlock()
	history := make([]CommandSpec, len(st.history))
	for i, spec := range st.history {
		history[i] = cloneCommandSpec(spec)
	}
	return history
}

// CallCount returns how many times Run was called, failed calls included.
func (f *FakeProcessRunner) CallCount() int {
	st := f.shared()
	st.mu.Lock()
	defer st.mu.Unlock()
	return len(st.history)
}

// WasRun reports whether Run was called with a spec whose Argv is exactly
// argv, whatever the outcome of that call.
func (f *FakeProcessRunner) WasRun(argv []string) bool {
	st := f.shared()
	st.mu.Lock()
	defer st.mu.Unlock()
	for _, spec := range st.history {
		if slices.Equal(spec.Argv, argv) {
			return true
		}
	}
	return false
}

// Clear forgets every configured result and error, the fallback and the
// history, leaving the runner as a zero FakeProcessRunner.
func (f *FakeProcessRunner) Clear() {
	st := f.shared()
	st.mu.Lock()
	defer st.mu.Unlock()
	st.outcomes = nil
	st.fallback = nil
	st.history = nil
}

// argvKey encodes argv as a map key that no other argv shares: each
// element is written as its length in bytes, ':' and the element itself.
func argvKey(argv []string) string {
	var b strings.Builder
	for _, arg := range argv {
		b.WriteString(strconv.Itoa(len(arg)))
		b.WriteByte(':')
		b.WriteString(arg)
	}
	return b.String()
}

// cloneCommandSpec returns a copy of s that shares no slice with it.
func cloneCommandSpec(s CommandSpec) CommandSpec {
	s.Argv = slices.Clone(s.Argv)
	s.Env = slices.Clone(s.Env)
	return s
}

// cloneRunResult returns a copy of r that shares no slice, pointer or map
// with it (nil stays nil).
func cloneRunResult(r RunResult) RunResult {
	r.Stdout = bytes.Clone(r.Stdout)
	r.Stderr = bytes.Clone(r.Stderr)
	r.CPUMs = clonePtr(r.CPUMs)
	r.PageFaults = clonePtr(r.PageFaults)
	r.CtxSwitches = clonePtr(r.CtxSwitches)
	r.MaxRSSKB = clonePtr(r.MaxRSSKB)
	r.MaxRSSAtMostKB = clonePtr(r.MaxRSSAtMostKB)
	r.IOReadBytes = clonePtr(r.IOReadBytes)
	r.IOWriteBytes = clonePtr(r.IOWriteBytes)
	r.NetworkPackets = clonePtr(r.NetworkPackets)
	r.EnergyUJ = clonePtr(r.EnergyUJ)
	r.BinaryBytes = clonePtr(r.BinaryBytes)
	r.UserCPUUs = clonePtr(r.UserCPUUs)
	r.SystemCPUUs = clonePtr(r.SystemCPUUs)
	r.MinorPageFaults = clonePtr(r.MinorPageFaults)
	r.VoluntaryCtxSwitches = clonePtr(r.VoluntaryCtxSwitches)
	r.InvoluntaryCtxSwitches = clonePtr(r.InvoluntaryCtxSwitches)
	r.Signal = clonePtr(r.Signal)
	r.StdoutTotalBytes = clonePtr(r.StdoutTotalBytes)
	r.StderrTotalBytes = clonePtr(r.StderrTotalBytes)
	r.Sources = maps.Clone(r.Sources)
	r.Notes = maps.Clone(r.Notes)
	return r
}

// withConsistentWall derives whichever of Wall and WallMs r lacks from the
// other; when both are set and disagree, WallMs is derived from Wall.
func withConsistentWall(r RunResult) RunResult {
	if r.Wall == 0 {
		r.Wall = time.Duration(r.WallMs) * time.Millisecond
	}
	r.WallMs = uint64(r.Wall / time.Millisecond)
	return r
}

// clonePtr returns a pointer to a copy of *p, or nil when p is nil.
func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}
