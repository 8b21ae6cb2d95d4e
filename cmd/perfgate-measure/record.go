package main

import (
	"runtime"
	"strings"
	"time"

	"github.com/perfgate/adapters"
)

// What is kept of a run once it has been reported. A benchmark of many
// runs keeps every run until its summary and the files are written, so
// what is kept per run must stay small: the figures, never the captured
// output (unless -export-output asks for it in the files), and the notes
// and figure sources only when a file writes them (-export-json,
// -receipt). Everything else a run produced is garbage once reported.

// figure indexes runRecord.values: the optional uint64 figures of a
// RunResult.
type figureIndex int

const (
	figCPUMs figureIndex = iota
	figPageFaults
	figCtxSwitches
	figMaxRSSKB
	figMaxRSSAtMostKB
	figIOReadBytes
	figIOWriteBytes
	figNetworkPackets
	figEnergyUJ
	figBinaryBytes
	figUserCPUUs
	figSystemCPUUs
	figMinorPageFaults
	figVoluntaryCtxSwitches
	figInvoluntaryCtxSwitches
	figStdoutTotalBytes
	figStderrTotalBytes
	numFigures
)

// figurePointers returns, in figureIndex order, the address of each
// optional figure field of r.
func figurePointers(r *adapters.RunResult) [numFigures]**uint64 {
	return [numFigures]**uint64{
		&r.CPUMs, &r.PageFaults, &r.CtxSwitches, &r.MaxRSSKB, &r.MaxRSSAtMostKB,
		&r.IOReadBytes, &r.IOWriteBytes, &r.NetworkPackets, &r.EnergyUJ, &r.BinaryBytes,
		&r.UserCPUUs, &r.SystemCPUUs, &r.MinorPageFaults, &r.VoluntaryCtxSwitches,
		&r.InvoluntaryCtxSwitches, &r.StdoutTotalBytes, &r.StderrTotalBytes,
	}
}

// Flags of a runRecord.
const (
	recTimedOut uint32 = 1 << iota
	recSignaled
	recStdoutTruncated
	recStderrTruncated
	recViaSpawner // spawned by the spawner: a withheld peak is below its floor
)

// runRecord is one run's figures, about 170 bytes, with no pointer but
// extra (nil unless a file needs the run's notes, sources or output).
type runRecord struct {
	wall     time.Duration
	wallMs   uint64
	exitCode int
	signal   int
	flags    uint32
	has      uint32 // bit i: values[i] is set
	values   [numFigures]uint64
	extra    *recordExtra
}

// recordExtra is what a run keeps only when a file writes it.
type recordExtra struct {
	notes          map[string]string
	sources        map[string]adapters.FigureSource
	stdout, stderr []byte
	// stdoutToken and stderrToken stand for the output once it is moved
	// to the spill file (spill.go); the files are expanded when written.
	stdoutToken, stderrToken string
}

// keepPolicy says what a record keeps beyond the figures.
type keepPolicy struct {
	details bool // notes and sources, for -export-json and -receipt
	output  bool // captured stdout and stderr, for -export-output
}

// newRecord keeps what policy asks of r. viaSpawner says whether the
// runner was asked to spawn through the spawner; the record then notes
// whether this run was.
func newRecord(r *adapters.RunResult, policy keepPolicy, viaSpawner bool) runRecord {
	rec := runRecord{wall: r.Wall, wallMs: r.WallMs, exitCode: r.ExitCode}
	for i, p := range figurePointers(r) {
		if *p != nil {
			rec.has |= 1 << i
			rec.values[i] = **p
		}
	}
	if r.Signal != nil {
		rec.flags |= recSignaled
		rec.signal = *r.Signal
	}
	for _, f := range []struct {
		set  bool
		flag uint32
	}{
		{r.TimedOut, recTimedOut},
		{r.StdoutTruncated, recStdoutTruncated},
		{r.StderrTruncated, recStderrTruncated},
		{spawnedBySpawner(r, viaSpawner), recViaSpawner},
	} {
		if f.set {
			rec.flags |= f.flag
		}
	}
	if policy.details && (r.Notes != nil || r.Sources != nil) || policy.output && (r.Stdout != nil || r.Stderr != nil) {
		rec.extra = &recordExtra{}
		if policy.details {
			rec.extra.notes, rec.extra.sources = r.Notes, r.Sources
		}
		if policy.output {
			rec.extra.stdout, rec.extra.stderr = r.Stdout, r.Stderr
		}
	}
	return rec
}

// spawnedBySpawner reports whether r was spawned by the spawner: asked
// for, on Linux (the only system with one), and not started directly
// instead (the library then says why in Notes["spawner"]). Tree scope
// always spawns directly; the session does not ask for the spawner then.
func spawnedBySpawner(r *adapters.RunResult, asked bool) bool {
	return asked && runtime.GOOS == "linux" && !strings.HasPrefix(r.Notes["spawner"], "started directly")
}

// get returns figure i and whether the run had it.
func (rec *runRecord) get(i figureIndex) (uint64, bool) {
	return rec.values[i], rec.has&(1<<i) != 0
}

// ptr returns figure i as RunResult holds it: nil when the run lacked it.
func (rec *runRecord) ptr(i figureIndex) *uint64 {
	if v, ok := rec.get(i); ok {
		return &v
	}
	return nil
}

func (rec *runRecord) is(flag uint32) bool { return rec.flags&flag != 0 }

// result is the RunResult the record was made from, less what it did not
// keep (output, notes, sources).
func (rec *runRecord) result() adapters.RunResult {
	r := adapters.RunResult{
		Wall:            rec.wall,
		WallMs:          rec.wallMs,
		ExitCode:        rec.exitCode,
		TimedOut:        rec.is(recTimedOut),
		StdoutTruncated: rec.is(recStdoutTruncated),
		StderrTruncated: rec.is(recStderrTruncated),
	}
	for i, p := range figurePointers(&r) {
		*p = rec.ptr(figureIndex(i))
	}
	if rec.is(recSignaled) {
		sig := rec.signal
		r.Signal = &sig
	}
	if rec.extra != nil {
		r.Notes, r.Sources = rec.extra.notes, rec.extra.sources
		r.Stdout, r.Stderr = rec.extra.stdout, rec.extra.stderr
		if rec.extra.stdoutToken != "" {
			r.Stdout = []byte(rec.extra.stdoutToken)
		}
		if rec.extra.stderrToken != "" {
			r.Stderr = []byte(rec.extra.stderrToken)
		}
	}
	return r
}

// resultsOf rebuilds the RunResults of recs for a file, never nil.
func resultsOf(recs []runRecord) []adapters.RunResult {
	out := make([]adapters.RunResult, len(recs))
	for i := range recs {
		out[i] = recs[i].result()
	}
	return out
}
