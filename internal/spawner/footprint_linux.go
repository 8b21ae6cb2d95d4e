//go:build linux

package spawner

// The spawner's footprint: what it gives back to keep the floor of its
// children low (its free heap, the clean pages of its read-only file
// mappings), and when.

import (
	"os"
	"runtime/debug"
	"time"

	"golang.org/x/sys/unix"

	"github.com/perfgate/adapters/internal/peak"
	"github.com/perfgate/adapters/internal/procfs"
)

// shrinkAfterKiB is how much the floor may grow above the first run's
// after a shrink before the spawner shrinks again.
const shrinkAfterKiB = 512

// footprint is the spawner's record of its shrinks.
type footprint struct {
	// startKiB is the spawner's VmHWM after its first shrink, baseKiB
	// the floor of the first run after its last shrink (the pages the
	// spawner needs fault back in), 0 until that run; lastShrink is when.
	startKiB, baseKiB uint64
	lastShrink        time.Time
}

// shrinkIfGrown shrinks the spawner again, off any run's clock, when the
// floor has grown by shrinkAfterKiB since the first run after the last
// shrink (its heap, thread stacks of concurrent runs, code pages of other
// paths), at most every 100 ms: a shrink takes about a millisecond, at
// most 1 % of the time. Dropping the code pages after every run would
// keep the floor about 300 KiB lower, but the spawn path then faults them
// back in on every run: 1.3 to 1.9 times the per-run cost in paired runs.
// Call it only while no run is in flight.
func (f *footprint) shrinkIfGrown(floorKiB uint64, resetPeak func()) {
	switch {
	case f.baseKiB == 0:
		f.baseKiB = floorKiB
	case floorKiB > f.baseKiB+shrinkAfterKiB && time.Since(f.lastShrink) > 100*time.Millisecond:
		f.shrink(resetPeak)
	}
}

// shrink returns the spawner's free heap to the system, drops its clean
// file pages and resets its peak.
func (f *footprint) shrink(resetPeak func()) {
	debug.FreeOSMemory()
	dropFilePages(readOnlyFileRanges())
	resetPeak()
	if f.startKiB == 0 {
		f.startKiB, _ = peak.VmHWMKiB()
	}
	f.baseKiB, f.lastShrink = 0, time.Now()
}

// fileRange is the address range of a read-only file mapping.
type fileRange struct{ start, length uintptr }

// readOnlyFileRanges lists the spawner's read-only file mappings that hold
// no private copy (the executable's text and read-only data, which the
// program's initialization and the spawn path touch: a few MiB for a
// large binary). Dropping their pages (dropFilePages) loses nothing: they
// stay in the page cache, and those the spawner touches again fault back
// in. Only mappings that are not writable qualify: MADV_DONTNEED on a
// writable private mapping would discard its data.
func readOnlyFileRanges() []fileRange {
	data, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		return nil
	}
	var ranges []fileRange
	for _, m := range procfs.ParseSmaps(data) {
		if m.ReadOnlyFile() && !m.Private && m.End > m.Start {
			ranges = append(ranges, fileRange{uintptr(m.Start), uintptr(m.End - m.Start)})
		}
	}
	return ranges
}

// dropFilePages drops the resident pages of ranges from the resident set.
func dropFilePages(ranges []fileRange) {
	for _, r := range ranges {
		_, _, _ = unix.Syscall(unix.SYS_MADVISE, r.start, r.length, unix.MADV_DONTNEED)
	}
}
