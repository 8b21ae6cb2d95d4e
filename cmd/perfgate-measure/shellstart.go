package main

import (
	"context"
	"fmt"
)

// With -shell every run's times include the shell's own start-up, which
// hides what a fast command costs (`-shell ':'` reads as 2 to 3 ms). As
// hyperfine does, the shell is first run with an empty command
// shellStartupRuns times, and the means of its wall, user and system times
// are subtracted from each run's, never below 0, in everything that
// summarises runs: the summary, the outlier warnings, the comparison, the
// -export-json summaries and relative speeds and the Markdown table. What
// prints a run as the library measured it keeps the raw figures: the run
// lines and tables, the -json lines, -export-json's "runs", the per-run
// CSV and the receipt's samples and stats (perfgate recomputes stats from
// samples; a receipt's figures must agree with each other). -export-json
// and the receipt say what was measured under "shell_startup".

// shellStartupRuns is hyperfine's count of runs of the empty command.
const shellStartupRuns = 50

// shellStartup is what the shell's start-up was measured at.
type shellStartup struct {
	Command  []string `json:"command"`
	Runs     int      `json:"runs"`
	WallMs   float64  `json:"wall_ms"`
	UserMs   float64  `json:"user_cpu_ms"`
	SystemMs float64  `json:"system_cpu_ms"`
	// AppliedTo says where it was subtracted, for a reader of the file.
	AppliedTo string `json:"applied_to"`
}

// needsShellStartup reports whether the shell's start-up is to be
// measured: with -shell, unless -shell-correction=false, and unless only
// -json lines (always raw) are written.
func (s *session) needsShellStartup() bool {
	o := &s.o
	files := o.exportJSON != "" || o.exportMD != "" || o.exportCSV != "" || o.receipt != ""
	return o.shell && o.shellCorrection && (!o.json || files)
}

// measureShellStartup measures the shell's start-up when it is needed, as
// the benchmarks will be run (same runner, environment, directory and
// output mode; no input), reports it, and sets it on every benchmark.
func (s *session) measureShellStartup(ctx context.Context) int {
	if !s.needsShellStartup() || len(s.benches) == 0 {
		return exitOK
	}
	spec := s.benches[0].spec
	spec.Argv, spec.Name, spec.Stdin = s.o.shellArgv(""), "shell start-up", nil
	var wall, user, system runningStats
	for i := range shellStartupRuns {
		s.progress.start(progressState{head: fmt.Sprintf("shell start-up run %d/%d", i+1, shellStartupRuns),
			label: commandLine(spec.Argv), done: i, total: shellStartupRuns})
		r, err := s.exec.Run(ctx, spec)
		s.progress.clear()
		where := fmt.Sprintf("measuring the shell's start-up (%s, run %d/%d; -shell-correction=false skips it)",
			commandLine(spec.Argv), i+1, shellStartupRuns)
		if err != nil {
			return s.runFailure(ctx, where, err)
		}
		if err := r.Err(); err != nil {
			s.errorf("%s: %v", where, err)
			return exitFailed
		}
		wall.add(float64(r.Wall.Nanoseconds()) / 1e6)
		if r.UserCPUUs != nil {
			user.add(float64(*r.UserCPUUs) / 1000)
		}
		if r.SystemCPUUs != nil {
			system.add(float64(*r.SystemCPUUs) / 1000)
		}
		s.gc.betweenRuns()
	}
	st := &shellStartup{Command: spec.Argv, Runs: shellStartupRuns, WallMs: wall.mean, UserMs: user.mean, SystemMs: system.mean,
		AppliedTo: "subtracted from each run's wall, user and system time (never below 0) in the summaries and relative speeds; runs hold the raw figures"}
	for i := range s.benches {
		s.benches[i].shell = st
	}
	s.writeShellStartup(st)
	return exitOK
}

// writeShellStartup says, in text mode, what will be subtracted.
func (s *session) writeShellStartup(st *shellStartup) {
	if s.o.json {
		return
	}
	s.startBlock()
	fmt.Fprintf(s.stdout, "shell start-up (%s, mean of %d runs): wall %s, user %s, system %s\n"+
		"  subtracted from each run in the summaries and the comparison (-shell-correction=false keeps it)\n",
		commandLine(st.Command), st.Runs, unitMs.format(st.WallMs), unitMs.format(st.UserMs), unitMs.format(st.SystemMs))
}

// receiptShellStartup is the shell's start-up as a receipt notes it: its
// samples and stats are raw, so nothing was subtracted there.
func receiptShellStartup(st *shellStartup) *shellStartup {
	if st == nil {
		return nil
	}
	c := *st
	c.AppliedTo = "not subtracted here: samples and stats hold the raw figures (perfgate-measure's summaries subtract it)"
	return &c
}

// wallMs, userMs and systemMs are the run's figures less the shell's
// start-up, never below 0: what summaries of m's runs use.
func (m *measurement) wallMs(r *runRecord) (float64, bool) {
	v, ok := wallMs(r)
	return m.corrected(v, ok, func(st *shellStartup) float64 { return st.WallMs })
}

func (m *measurement) userMs(r *runRecord) (float64, bool) {
	v, ok := userMs(r)
	return m.corrected(v, ok, func(st *shellStartup) float64 { return st.UserMs })
}

func (m *measurement) systemMs(r *runRecord) (float64, bool) {
	v, ok := systemMs(r)
	return m.corrected(v, ok, func(st *shellStartup) float64 { return st.SystemMs })
}

func (m *measurement) corrected(v float64, ok bool, of func(*shellStartup) float64) (float64, bool) {
	if !ok || m.bench == nil || m.bench.shell == nil {
		return v, ok
	}
	return max(v-of(m.bench.shell), 0), true
}

// shellStartupOf is the start-up subtracted in the session's summaries,
// or nil.
func (s *session) shellStartupOf() *shellStartup {
	if len(s.benches) == 0 {
		return nil
	}
	return s.benches[0].shell
}

// minCorrectedMs is hyperfine's threshold below which a run's time, less
// the shell's start-up, is mostly the noise of that start-up.
const minCorrectedMs = 5.0

// warnFastAfterShell warns, as hyperfine does, when a run of m took less
// than minCorrectedMs once the shell's start-up is subtracted.
func (s *session) warnFastAfterShell(m *measurement) {
	if m.bench.shell == nil {
		return
	}
	for i := range m.runs {
		if v, _ := m.wallMs(&m.runs[i]); v < minCorrectedMs {
			who := ""
			if len(s.benches) > 1 {
				who = m.bench.label + ": "
			}
			s.errorf("warning: %sa run took less than %g ms once the shell's start-up was subtracted, which "+
				"cannot be measured that precisely; run the command without -shell if it needs no shell", who, minCorrectedMs)
			return
		}
	}
}
