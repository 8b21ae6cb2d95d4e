// Package powercap reads the energy counters of the Linux powercap (RAPL)
// interface under an injectable root, so that it is tested on fixtures.
//
// Only package zones are read: the top-level zones "intel-rapl:N" of the
// MSR-based "intel-rapl" control type whose name file starts "package-"
// (one per package, or per die on multi-die parts; AMD processors expose
// the same names on recent kernels). They are disjoint, so their sum is the
// CPU energy without double counting. Left out, because they overlap a
// package zone:
//
//   - sub-zones "intel-rapl:N:M" (core, uncore, dram), nested in a package;
//   - the "psys" zone, a top-level "intel-rapl:N" on some laptops, which
//     meters the whole platform including the packages;
//   - "intel-rapl-mmio:N", the same package counters read through MMIO.
//
// The package is pure Go and builds everywhere; only Linux has the files.
package powercap

import (
	"bytes"
	"errors"
	"io/fs"
	"math/bits"
	"os"
	"strings"

	"github.com/perfgate/adapters/internal/decimal"
)

// DefaultRoot is where Linux lists powercap zones, one symbolic link each.
const DefaultRoot = "/sys/class/powercap"

// zonePrefix is the directory name prefix of the MSR RAPL zones; a package
// zone is zonePrefix followed by decimal digits only.
const zonePrefix = "intel-rapl:"

// packageNamePrefix starts the name file of a package zone: "package-0",
// or "package-0-die-1" when each die has its own zone.
const packageNamePrefix = "package-"

// Snapshot is one reading of the package-level RAPL energy counters. The
// zero value has no zone.
type Snapshot struct {
	// zones maps a zone's directory name ("intel-rapl:0") to its reading;
	// the directory name is how two snapshots are matched.
	zones map[string]zone
}

// zone is one package counter reading.
type zone struct {
	// energyUJ is energy_uj, the counter in microjoules.
	energyUJ uint64
	// maxUJ is max_energy_range_uj, the largest value of the counter; 0
	// when it could not be read, which makes a wrap uncountable.
	maxUJ uint64
}

// Zones returns the number of package zones the snapshot holds.
func (s Snapshot) Zones() int { return len(s.zones) }

// Read reads the counters under root (normally DefaultRoot). ok is false
// when no package counter is readable.
func Read(root string) (s Snapshot, ok bool) { return ReadFS(os.DirFS(root)) }

// ReadFS is Read on a file system whose root is laid out like
// /sys/class/powercap. A zone whose name or energy_uj cannot be read or
// parsed is left out: energy_uj is readable by root only on most kernels
// since the Platypus side channel (CVE-2020-8694) was closed, and then
// reading it fails with EACCES. ok is false when no zone is left.
func ReadFS(fsys fs.FS) (s Snapshot, ok bool) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return Snapshot{}, false
	}
	zones := make(map[string]zone)
	for _, e := range entries {
		// The entries are symbolic links to directories in sysfs, so the
		// type of the entry itself says nothing; the reads below decide.
		dir := e.Name()
		if !isTopLevelZone(dir) {
			continue
		}
		name, err := fs.ReadFile(fsys, dir+"/name")
		if err != nil || !strings.HasPrefix(string(name), packageNamePrefix) {
			continue
		}
		raw, err := fs.ReadFile(fsys, dir+"/energy_uj")
		if err != nil {
			continue
		}
		energy, err := ParseCounter(raw)
		if err != nil {
			continue
		}
		z := zone{energyUJ: energy}
		if raw, err := fs.ReadFile(fsys, dir+"/max_energy_range_uj"); err == nil {
			if rangeUJ, err := ParseCounter(raw); err == nil {
				z.maxUJ = rangeUJ
			}
		}
		zones[dir] = z
	}
	if len(zones) == 0 {
		return Snapshot{}, false
	}
	return Snapshot{zones: zones}, true
}

// isTopLevelZone reports whether dir is "intel-rapl:" and digits only, so
// not a sub-zone ("intel-rapl:0:1") nor another control type.
func isTopLevelZone(dir string) bool {
	id, ok := strings.CutPrefix(dir, zonePrefix)
	if !ok || id == "" {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] < '0' || id[i] > '9' {
			return false
		}
	}
	return true
}

// ErrBadCounter is returned by ParseCounter for contents that are not one
// unsigned decimal number that fits in a uint64.
var ErrBadCounter = errors.New("powercap: counter file is not an unsigned decimal number")

// ParseCounter parses the contents of a counter file such as energy_uj or
// max_energy_range_uj: decimal digits and, as sysfs writes them, one
// optional trailing newline. Nothing else is accepted (no sign, blank or
// base prefix), and a number beyond uint64 is an error.
func ParseCounter(b []byte) (uint64, error) {
	n, ok := decimal.ParseUint(bytes.TrimSuffix(b, []byte("\n")))
	if !ok {
		return 0, ErrBadCounter
	}
	return n, nil
}

// EnergySince returns the energy in microjoules used between before and s,
// summed over the package zones present in both. ok is false when no zone
// gives a delta (none in common, or every common zone inconsistent) or
// when the sum overflows. A counter that wrapped is counted as one wrap;
// energy beyond one full counter range between the snapshots (about 262 kJ
// with the usual 61 µJ unit, 65 kJ with 15.3 µJ) is lost and cannot be
// detected from two readings.
func (s Snapshot) EnergySince(before Snapshot) (uj uint64, ok bool) {
	counted := 0
	for dir, after := range s.zones {
		b, found := before.zones[dir]
		if !found {
			continue // the zone appeared or vanished between the readings
		}
		rangeUJ := after.maxUJ
		switch {
		case rangeUJ == 0:
			rangeUJ = b.maxUJ // only the first reading had it
		case b.maxUJ != 0 && b.maxUJ != rangeUJ:
			continue // not the same counter any more
		}
		d, dok := CounterDelta(b.energyUJ, after.energyUJ, rangeUJ)
		if !dok {
			continue
		}
		var carry uint64
		uj, carry = bits.Add64(uj, d, 0)
		if carry != 0 {
			return 0, false
		}
		counted++
	}
	if counted == 0 {
		return 0, false
	}
	return uj, true
}

// CounterDelta returns how far a powercap energy counter advanced from
// before to after, given maxUJ, its max_energy_range_uj (0 if unknown).
//
// The counter's range is [0, maxUJ], both ends included: the kernel
// (drivers/powercap/intel_rapl_common.c, get_max_energy_counter) computes
// max_energy_range_uj by converting ENERGY_STATUS_MASK, the all-ones
// 32-bit raw counter, with the same unit conversion that energy_uj uses,
// so energy_uj reads exactly maxUJ just before the raw counter wraps to 0.
// The ABI document (Documentation/ABI/testing/sysfs-class-powercap) only
// says "Range of the above energy counter in micro-joules". So when after
// is below before the counter wrapped once and advanced
//
//	(maxUJ - before) + after + 1
//
// The +1 is the step from maxUJ to 0. In RAPL hardware that step is one
// energy unit (15.3 µJ or 61 µJ, not exposed in sysfs), so the result may
// be short by under one unit per wrap, which is below the counter's own
// resolution; tools that add only max_energy_range_uj (codecarbon,
// pyJoules, powerjoular) are short by one more microjoule.
//
// ok is false when the readings contradict maxUJ (a reading above a known
// maxUJ) or when the counter went backwards and maxUJ is unknown.
func CounterDelta(before, after, maxUJ uint64) (delta uint64, ok bool) {
	if maxUJ != 0 && (before > maxUJ || after > maxUJ) {
		return 0, false
	}
	if after >= before {
		return after - before, true
	}
	if maxUJ == 0 {
		return 0, false
	}
	// before <= maxUJ and after < before, so this is at most maxUJ: no
	// overflow even for maxUJ = 2^64-1.
	return (maxUJ - before) + after + 1, true
}
