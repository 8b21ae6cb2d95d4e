// Package powercap reads the energy counters of the Linux powercap (RAPL)
// interface under an injectable root, so that it is tested on fixtures.
package powercap

// Snapshot is one reading of the package-level RAPL energy counters.
type Snapshot struct{}

// Read reads the counters under root (normally /sys/class/powercap). ok is
// false when no counter is readable.
func Read(root string) (s Snapshot, ok bool) { return Snapshot{}, false }

// EnergySince returns the energy in microjoules used between before and s.
func (s Snapshot) EnergySince(before Snapshot) (uj uint64, ok bool) { return 0, false }
