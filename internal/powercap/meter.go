package powercap

import "runtime"

// Meter brackets a run with two readings of the package counters; it reads
// nothing while the child runs.
type Meter struct {
	before Snapshot
	ok     bool
}

// StartMeter takes the first reading. Outside Linux there are no counters
// to read, and the meter stays empty.
func StartMeter() Meter {
	if runtime.GOOS != "linux" && runtime.GOOS != "android" {
		return Meter{}
	}
	before, ok := Read(DefaultRoot)
	return Meter{before: before, ok: ok}
}

// Finish takes the second reading and returns the microjoules used since
// the first; ok is false when either reading failed.
func (m Meter) Finish() (uj uint64, ok bool) {
	if !m.ok {
		return 0, false
	}
	after, ok := Read(DefaultRoot)
	if !ok {
		return 0, false
	}
	return after.EnergySince(m.before)
}
