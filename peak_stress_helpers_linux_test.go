package adapters

// The two helper processes of TestPeakRSSStress (peak_stress_linux_test.go):
//
//   - "peak-caller" is a small program that uses StdProcessRunner the way a
//     benchmark harness does: many runs in a row of /bin/true and of a child
//     of known size, while it idles, churns its heap, or after it has grown
//     and shrunk. It prints one JSON line per run. The test starts it through
//     a shell's fork, never from a Go parent (see startPeakCaller).
//   - "peak-child" touches a given number of MiB and prints its own VmHWM:
//     its real peak, measured without ru_maxrss.

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/perfgate/adapters/internal/procfs"
	"github.com/perfgate/adapters/internal/spawner"
)

// peakChildPrefix starts the one line the peak-child helper prints.
const peakChildPrefix = "vmhwm "

// peakChildSink keeps the peak-child's memory reachable until it has read
// its VmHWM, so that nothing can free it first.
var peakChildSink []byte

// helperPeakChild touches args[0] MiB page by page (so that all of it is
// resident), then prints "vmhwm N": its own VmHWM in KiB, read from
// /proc/self/status. That is the child's real peak, independent of the
// ru_maxrss its caller gets from wait4, which exec may have raised to the
// caller's peak. The only work after the read is the print and the exit.
func helperPeakChild(args []string) int {
	if len(args) != 1 {
		return helperUsage("peak-child MIB")
	}
	mib, err := strconv.Atoi(args[0])
	if err != nil || mib < 0 {
		return helperUsage("peak-child: bad size %q", args[0])
	}
	peakChildSink = touchedMemory(mib)
	hwm, err := procfs.PeakRSSKiB("/proc", "self")
	if err != nil {
		fmt.Fprintf(os.Stderr, "test helper: peak-child: %v\n", err)
		return 1
	}
	_, err = fmt.Fprintf(os.Stdout, "%s%d\n", peakChildPrefix, hwm)
	runtime.KeepAlive(peakChildSink)
	return exitCodeOf(err)
}

// Caller behaviours: what the peak-caller does besides its runs.
const (
	// peakIdle: nothing.
	peakIdle = "idle"
	// peakChurn: a goroutine allocates, touches and frees heap all
	// along, and returns it to the system now and then, so that the
	// caller's RSS rises and falls while children are spawned. The
	// per-CPU RSS counters then move during each spawn.
	peakChurn = "churn"
	// peakGrown: before the runs, the caller touches peakGrownMiB of
	// heap and frees it again. Its RSS is small during the runs, its peak
	// (VmHWM) large.
	peakGrown = "grown"
)

// Spawn modes of the peak-caller.
const (
	peakModeDirect  = "direct"  // StdProcessRunner{Direct: true}
	peakModeSpawner = "spawner" // StdProcessRunner{}
)

// peakGrownMiB is how much the "grown" caller touches before its runs:
// above any child of the test (72 MiB at most, under -race), so that a
// figure equal to the caller's peak is obviously wrong.
const peakGrownMiB = 128

// Which child a run started.
const (
	peakChildTrue  = "true"  // /bin/true
	peakChildSized = "sized" // the peak-child helper
)

// peakRun is the line the peak-caller prints for each run.
type peakRun struct {
	I     int    `json:"i"`
	Child string `json:"child"` // peakChildTrue or peakChildSized
	// MaxRSSKB and MaxRSSAtMostKB are the run's result; nil is null.
	MaxRSSKB       *uint64 `json:"max_rss_kb"`
	MaxRSSAtMostKB *uint64 `json:"max_rss_at_most_kb"`
	// SelfKiB is the VmHWM the sized child printed (0 for /bin/true).
	SelfKiB uint64 `json:"self_kib,omitempty"`
	// Problem says what went wrong with the run itself (an error, a
	// non-zero exit, unreadable output); empty when nothing did.
	Problem string            `json:"problem,omitempty"`
	Notes   map[string]string `json:"notes,omitempty"`
	// After holds what the process that spawned the child (the caller in
	// direct mode, the spawner in spawner mode) says of its own memory
	// right after the run, in KiB: for a wrong figure, it tells whether
	// the figure was that process's peak.
	After peakAfter `json:"after"`
}

// peakAfter is the spawning process's memory right after a run (KiB; 0
// when it could not be read).
type peakAfter struct {
	// RusageMaxRSS is the caller's getrusage(RUSAGE_SELF).ru_maxrss, in
	// direct mode only (nil through the spawner): the first bound
	// callerPeakFloorKiB tries.
	RusageMaxRSS *uint64 `json:"rusage_maxrss,omitempty"`
	HWM          uint64  `json:"hwm"`
	RSS          uint64  `json:"rss"`
}

// helperPeakCaller runs RUNS runs with StdProcessRunner in MODE (direct or
// spawner) while behaving as BEHAVIOUR (idle, churn or grown). Run i
// starts the peak-child helper touching MIB when i%EVERY == EVERY-1 and
// /bin/true otherwise (EVERY 2 alternates them). It prints one JSON
// peakRun per run, in order, then exits 0; only a usage error or a failed
// write of its output make it exit non-zero: a run that went wrong is
// reported in its line, for the test to judge.
func helperPeakCaller(args []string) int {
	if len(args) != 5 {
		return helperUsage("peak-caller direct|spawner idle|churn|grown RUNS EVERY MIB")
	}
	mode, behaviour := args[0], args[1]
	runs, err1 := strconv.Atoi(args[2])
	every, err2 := strconv.Atoi(args[3])
	mib, err3 := strconv.Atoi(args[4])
	if err1 != nil || err2 != nil || err3 != nil || runs < 0 || every < 1 || mib < 0 {
		return helperUsage("peak-caller: bad number in %q", args[2:])
	}
	var runner StdProcessRunner
	switch mode {
	case peakModeDirect:
		runner.Direct = true
	case peakModeSpawner:
	default:
		return helperUsage("peak-caller: unknown mode %q", mode)
	}
	switch behaviour {
	case peakIdle:
	case peakChurn:
		stop := startChurn()
		defer stop()
	case peakGrown:
		growAndShrink(peakGrownMiB)
	default:
		return helperUsage("peak-caller: unknown behaviour %q", behaviour)
	}

	trueSpec := CommandSpec{Argv: []string{"/bin/true"}}
	sizedSpec := helperSpec("peak-child", strconv.Itoa(mib))
	out := bufio.NewWriter(os.Stdout)
	enc := json.NewEncoder(out)
	for i := range runs {
		line := peakRun{I: i, Child: peakChildTrue}
		spec := trueSpec
		if i%every == every-1 {
			line.Child, spec = peakChildSized, sizedSpec
		}
		res, err := runner.Run(context.Background(), spec)
		// Read first, before anything of this program's own (the JSON
		// encoding) can move its memory.
		line.After = spawnerSideMemory(mode)
		line.MaxRSSKB, line.MaxRSSAtMostKB, line.Notes = res.MaxRSSKB, res.MaxRSSAtMostKB, res.Notes
		switch {
		case err != nil:
			line.Problem = err.Error()
		case res.ExitCode != 0:
			line.Problem = fmt.Sprintf("exit status %d, stderr %q", res.ExitCode, res.Stderr)
		case line.Child == peakChildSized:
			v, ok := strings.CutPrefix(strings.TrimSpace(string(res.Stdout)), peakChildPrefix)
			kib, perr := strconv.ParseUint(v, 10, 64)
			if !ok || perr != nil {
				line.Problem = fmt.Sprintf("peak-child printed %q", res.Stdout)
			}
			line.SelfKiB = kib
		}
		if err := enc.Encode(&line); err != nil {
			return exitCodeOf(err)
		}
	}
	return exitCodeOf(out.Flush())
}

// spawnerSideMemory reads the memory figures of the process that spawned
// the last child: this process in direct mode, the spawner (whose pid the
// package knows) in spawner mode. Figures that cannot be read are 0 (nil
// for ru_maxrss).
func spawnerSideMemory(mode string) peakAfter {
	var a peakAfter
	pid := "self"
	if mode == peakModeSpawner {
		s := spawner.Live()
		if s == nil {
			return a
		}
		pid = strconv.Itoa(s.Pid())
	} else {
		var self syscall.Rusage
		if syscall.Getrusage(syscall.RUSAGE_SELF, &self) == nil {
			a.RusageMaxRSS = uint64Ptr(uint64(self.Maxrss))
		}
	}
	data, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		return a
	}
	a.HWM = peakStatusKiB(data, "VmHWM:")
	a.RSS = peakStatusKiB(data, "VmRSS:")
	return a
}

// peakStatusKiB returns the value in KiB of the line of a /proc/PID/status
// file that starts with key ("VmRSS:"), 0 when there is none.
func peakStatusKiB(data []byte, key string) uint64 {
	for line := range strings.SplitSeq(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, key); ok {
			v, _ := strings.CutSuffix(strings.TrimSpace(rest), " kB")
			kib, _ := strconv.ParseUint(v, 10, 64)
			return kib
		}
	}
	return 0
}

// churnBlockMiB is the size of each block the churn goroutine allocates,
// and churnMaxBlocks the most it holds at once.
const (
	churnBlockMiB  = 1
	churnMaxBlocks = 8
)

// startChurn starts a goroutine that, until the returned function is
// called, allocates 1 to churnMaxBlocks blocks of churnBlockMiB, touches
// them page by page (so that they are resident), drops them and collects;
// every churnMaxBlocks rounds it also returns the free heap to the system
// (debug.FreeOSMemory), so that the caller's RSS falls as well as rises.
// The returned function stops the goroutine and waits for it.
func startChurn() (stop func()) {
	var done atomic.Bool
	var wg sync.WaitGroup
	wg.Go(func() {
		var blocks [][]byte
		for round := 0; !done.Load(); round++ {
			n := 1 + round%churnMaxBlocks
			for range n {
				b := make([]byte, churnBlockMiB<<20)
				for i := 0; i < len(b); i += 4096 {
					b[i] = 1
				}
				blocks = append(blocks, b)
			}
			clear(blocks)
			blocks = blocks[:0]
			if n == churnMaxBlocks {
				debug.FreeOSMemory()
			} else {
				runtime.GC()
			}
		}
	})
	return func() {
		done.Store(true)
		wg.Wait()
	}
}

// growAndShrink touches mib MiB of heap page by page, then drops it and
// returns it to the system: the process's peak (VmHWM) is then at least
// mib MiB, its RSS back to what it was.
func growAndShrink(mib int) {
	b := make([]byte, mib<<20)
	for i := 0; i < len(b); i += 4096 {
		b[i] = 1
	}
	runtime.KeepAlive(b)
	b = nil
	runtime.GC()
	debug.FreeOSMemory()
}
