package adapters

// TestPeakRSSStress: over many runs, a max_rss_kb that Run reports is the
// child's own peak, never the peak of the process that spawned it (issue
// 12). The short version runs in CI; the long one, with thousands of runs
// per combination, prints the table of counts:
//
//	scripts/peak-stress.sh                                    # RUNS=3000 by default
//	PERFGATE_PEAK_STRESS_RUNS=3000 go test -count=1 -run '^TestPeakRSSStress$' -v .
//
// Why a stress test: on Linux, exec folds the spawning process's peak RSS
// into the child's ru_maxrss, as max(mm->hiwater_rss, get_mm_rss()), the
// latter an approximate read of per-CPU counters. The floor the runner
// compares ru_maxrss with (the caller's or the spawner's VmHWM, an exact
// sum) can be a little below that approximate figure, so a run of
// /bin/true now and then gets the caller's few MiB reported as its own
// peak: a few runs per thousand, depending on what the per-CPU counters
// held at the exec. What the old rule gave on a 2-vCPU VM (Linux 6.18):
// wrong figures in 0-12 of 3000 runs per combination (up to 40 under
// -race), 4.6-18 MiB (41 MiB under -race) for /bin/true's 1.1 MiB. Each
// was the spawning process's RSS of the time, at most 124 KiB above its
// VmHWM read right after the run. In direct mode the caller's own
// getrusage ru_maxrss equalled the figure while its VmHWM stayed 4-88 KiB
// below it, for up to 40 runs in a row.
//
// The runs are made by the peak-caller helper (peak_stress_helpers_linux_test.go),
// a process started by a shell's fork: a process started by a Go parent
// (vfork) inherits that parent's peak in its own RUSAGE_SELF, which would
// raise the floor above any /bin/true figure and hide the bug. The real
// peaks the figures are judged against are measured without the runner:
// GNU time's for /bin/true, the peak-child helper's own VmHWM for it.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	// peakStressRunsEnv sets the number of runs per mode and behaviour
	// (peakStressShortRuns when unset): the long version.
	peakStressRunsEnv = "PERFGATE_PEAK_STRESS_RUNS"
	// peakStressEveryEnv sets how often a run starts the sized child
	// rather than /bin/true: every Nth run (2 alternates them).
	peakStressEveryEnv = "PERFGATE_PEAK_STRESS_EVERY"

	// peakStressShortRuns keeps the CI version within about 20 s on a
	// 2-vCPU machine, -race included.
	peakStressShortRuns = 200
	// peakStressEvery is the default of peakStressEveryEnv. The sized
	// child is the costly run (see peakSizedMiB; 150-300 ms under -race),
	// against about 1 ms for a run of /bin/true, and the bug shows on the
	// small runs: a few sized runs show that real figures still come.
	peakStressEvery = 40

	// peakTrueSamples is how many times /bin/true is run under GNU time;
	// the largest figure is its real peak.
	peakTrueSamples = 20
	// peakToleranceKiB and peakTolerancePct: a figure is right when within
	// max(peakTolerancePct %, peakToleranceKiB) of the real peak. 768 KiB
	// is well below the few MiB of a caller's peak that the bug reports.
	peakToleranceKiB = 768
	peakTolerancePct = 10
)

// peakSizedMiB is how much the sized child touches in each mode, on top
// of the test binary's own 8 MiB (24 MiB under -race). In direct mode the
// child must be above the caller's peak to get a figure at all: about
// 8 MiB idle and 19 MiB churning, 28 and 48 MiB under -race. Through the
// spawner, whose floor is 4-7 MiB (18-28 MiB under -race), less will do.
// Each MiB costs about 4 ms on the CI machine kind.
func peakSizedMiB(mode string) int {
	switch {
	case mode == peakModeSpawner && raceEnabled:
		return 16
	case mode == peakModeSpawner:
		return 8
	case raceEnabled:
		return 48
	default:
		return 24
	}
}

// peakTolerance is the largest distance from a real peak of realKiB at
// which a figure is still right.
func peakTolerance(realKiB uint64) uint64 {
	return max(realKiB*peakTolerancePct/100, peakToleranceKiB)
}

// peakEnvCount reads the positive integer in the environment variable key,
// def when unset.
func peakEnvCount(t *testing.T, key string, def int) int {
	t.Helper()
	v, ok := os.LookupEnv(key)
	if !ok || v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	require.NoError(t, err, "%s=%q", key, v)
	require.Positive(t, n, "%s=%q", key, v)
	return n
}

// gnuTimeTruePeakKiB is the real peak of /bin/true: the largest of
// peakTrueSamples figures of GNU time (gnuTimeRange). Without GNU time the
// test is skipped, or fails under PERFGATE_REQUIRE_ALL=1 (internal/testcap).
func gnuTimeTruePeakKiB(t *testing.T) uint64 {
	t.Helper()
	_, hi := gnuTimeRange(t, peakTrueSamples, []string{"/bin/true"})
	return hi
}

// startPeakCaller runs the peak-caller helper with args and returns the
// lines it printed. It is started by a fork of a shell, not by this
// process: `"$0" "$@" &` forks, so the caller's RUSAGE_SELF starts from the
// shell's small address space, not this test process's peak ("wait $!"
// passes its exit status on).
func startPeakCaller(t *testing.T, args ...string) []peakRun {
	t.Helper()
	argv := append([]string{"-c", `"$0" "$@" & wait $!`, helperExe()}, args...)
	cmd := exec.Command("/bin/sh", argv...)
	cmd.Env = append(os.Environ(), helperEnvKey+"=peak-caller", "GORACE="+helperGORACE())
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "peak-caller %v: stderr: %s", args, stderr.String())
	var lines []peakRun
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var line peakRun
		err := dec.Decode(&line)
		if errors.Is(err, io.EOF) {
			return lines
		}
		require.NoError(t, err, "peak-caller printed %q", out)
		lines = append(lines, line)
	}
}

// peakTally counts what the runs of one mode and behaviour gave.
type peakTally struct {
	runs     int
	figures  int // MaxRSSKB set
	withheld int // MaxRSSKB nil
	// unbounded counts withheld figures without a MaxRSSAtMostKB.
	unbounded int
	// sizedFigures counts the sized child's figures (right or wrong).
	sizedFigures int
	// wrong counts figures, and MaxRSSAtMostKB bounds, that are not within
	// the tolerance of the child's real peak.
	wrong int
	// worst is the wrong figure furthest from its real peak, worstReal
	// that peak, worstChild the child.
	worst, worstReal uint64
	worstChild       string
}

// worstString says what the worst wrong figure was, "-" when none.
func (p *peakTally) worstString() string {
	if p.wrong == 0 {
		return "-"
	}
	return fmt.Sprintf("%dKiB(%s,real=%d)", p.worst, p.worstChild, p.worstReal)
}

// peakDistance is |a-b|.
func peakDistance(a, b uint64) uint64 { return max(a, b) - min(a, b) }

// judgePeakRuns counts the runs' figures, checking each against its
// child's real peak (trueKiB for /bin/true, the child's own VmHWM for the
// sized child). Each wrong figure is logged with the spawning process's
// memory right after its run, and any run that failed is an error.
func judgePeakRuns(t *testing.T, lines []peakRun, trueKiB uint64) peakTally {
	t.Helper()
	var tally peakTally
	for _, l := range lines {
		tally.runs++
		if l.Problem != "" {
			t.Errorf("run %d (%s): %s", l.I, l.Child, l.Problem)
			continue
		}
		realKiB := trueKiB
		if l.Child == peakChildSized {
			realKiB = l.SelfKiB
		}
		tol := peakTolerance(realKiB)
		var bad uint64
		switch {
		case l.MaxRSSKB != nil:
			tally.figures++
			if l.Child == peakChildSized {
				tally.sizedFigures++
			}
			if peakDistance(*l.MaxRSSKB, realKiB) > tol {
				bad = *l.MaxRSSKB
			}
		case l.MaxRSSAtMostKB == nil:
			tally.withheld++
			tally.unbounded++
		default:
			tally.withheld++
			// The bound is the child's ru_maxrss, so never below its own
			// peak: a bound below it is as wrong as a figure would be.
			if *l.MaxRSSAtMostKB+tol < realKiB {
				bad = *l.MaxRSSAtMostKB
			}
		}
		if bad == 0 {
			continue
		}
		tally.wrong++
		if tally.wrong == 1 || peakDistance(bad, realKiB) > peakDistance(tally.worst, tally.worstReal) {
			tally.worst, tally.worstReal, tally.worstChild = bad, realKiB, l.Child
		}
		t.Logf("wrong: run %d (%s): max_rss_kb %s, at most %s, real peak %d KiB; spawning process after the run: ru_maxrss %s, VmHWM %d, VmRSS %d KiB; notes %v",
			l.I, l.Child, peakKiBString(l.MaxRSSKB), peakKiBString(l.MaxRSSAtMostKB), realKiB,
			peakKiBString(l.After.RusageMaxRSS), l.After.HWM, l.After.RSS, l.Notes)
	}
	return tally
}

// peakKiBString formats an optional KiB figure ("nil" when absent).
func peakKiBString(v *uint64) string {
	if v == nil {
		return "nil"
	}
	return strconv.FormatUint(*v, 10)
}

// Every max_rss_kb that Run reports, in direct and spawner mode, from a
// caller idle, churning its heap, or grown and shrunk, is within
// max(10 %, 768 KiB) of the child's real peak; a withheld one's
// MaxRSSAtMostKB is not below it. The sized child gets its figure at
// least once wherever it is above the spawning process's peak.
func TestPeakRSSStress(t *testing.T) {
	trueKiB := gnuTimeTruePeakKiB(t)
	runs := peakEnvCount(t, peakStressRunsEnv, peakStressShortRuns)
	every := peakEnvCount(t, peakStressEveryEnv, peakStressEvery)
	t.Logf("/bin/true's real peak (GNU time, largest of %d): %d KiB; right within %d KiB",
		peakTrueSamples, trueKiB, peakTolerance(trueKiB))
	for _, mode := range []string{peakModeDirect, peakModeSpawner} {
		for _, behaviour := range []string{peakIdle, peakChurn, peakGrown} {
			t.Run(mode+"/"+behaviour, func(t *testing.T) {
				// Each combination is a process of its own, mostly
				// waiting for its children: side by side they take
				// less time, and the bug shows as well or better.
				t.Parallel()
				mib := peakSizedMiB(mode)
				lines := startPeakCaller(t, mode, behaviour, strconv.Itoa(runs), strconv.Itoa(every), strconv.Itoa(mib))
				require.Len(t, lines, runs, "one line per run")
				tally := judgePeakRuns(t, lines, trueKiB)
				// One line per combination, which scripts/peak-stress.sh
				// turns into its table.
				t.Logf("peak-stress: mode=%s behaviour=%s runs=%d figures=%d withheld=%d unbounded=%d wrong=%d worst=%s sized_figures=%d",
					mode, behaviour, tally.runs, tally.figures, tally.withheld, tally.unbounded,
					tally.wrong, tally.worstString(), tally.sizedFigures)
				assert.Zero(t, tally.wrong, "figures not within max(%d %%, %d KiB) of the child's real peak",
					peakTolerancePct, peakToleranceKiB)
				// The grown caller's peak (peakGrownMiB) is above the sized
				// child: in direct mode its figure may be withheld.
				if mode == peakModeSpawner || behaviour != peakGrown {
					assert.Positive(t, tally.sizedFigures, "the %d MiB child never got a figure", mib)
				}
			})
		}
	}
}
