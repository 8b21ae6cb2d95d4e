package powercap_test

import (
	"io/fs"
	"math"
	"strconv"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/perfgate/adapters/internal/powercap"
)

// zoneFiles is a package zone as sysfs files; an empty value leaves that
// file out.
type zoneFiles struct{ name, energy, rangeUJ string }

func machine(zones map[string]zoneFiles) fstest.MapFS {
	fsys := fstest.MapFS{}
	for dir, z := range zones {
		for file, v := range map[string]string{"name": z.name, "energy_uj": z.energy, "max_energy_range_uj": z.rangeUJ} {
			if v != "" {
				fsys[dir+"/"+file] = &fstest.MapFile{Data: []byte(v + "\n"), Mode: 0o444}
			}
		}
	}
	return fsys
}

func mustRead(t *testing.T, fsys fs.FS) powercap.Snapshot {
	t.Helper()
	s, ok := powercap.ReadFS(fsys)
	require.True(t, ok)
	return s
}

// energyCase is a pair of readings of /sys/class/powercap and the energy
// between them.
type energyCase struct {
	name          string
	before, after map[string]zoneFiles
	want          uint64
	wantOK        bool
}

// checkEnergySince checks EnergySince on every case.
func checkEnergySince(t *testing.T, tests []energyCase) {
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := mustRead(t, machine(tt.before))
			after := mustRead(t, machine(tt.after))
			got, ok := after.EnergySince(before)
			assert.Equal(t, tt.wantOK, ok)
			assert.Equal(t, tt.want, got)
		})
	}
}

// r is the counters' range in the cases; pkg is a package zone.
const r = "1000"

func pkg(energy, rangeUJ string) zoneFiles { return zoneFiles{"package-0", energy, rangeUJ} }

// Which zones count: those in both readings whose counter is consistent.
func TestEnergySinceZoneMatching(t *testing.T) {
	checkEnergySince(t, []energyCase{
		{
			name:   "zone only in before is skipped",
			before: map[string]zoneFiles{"intel-rapl:0": pkg("10", r), "intel-rapl:1": pkg("10", r)},
			after:  map[string]zoneFiles{"intel-rapl:0": pkg("15", r)},
			want:   5, wantOK: true,
		},
		{
			name:   "zone only in after is skipped",
			before: map[string]zoneFiles{"intel-rapl:0": pkg("10", r)},
			after:  map[string]zoneFiles{"intel-rapl:0": pkg("15", r), "intel-rapl:1": pkg("900", r)},
			want:   5, wantOK: true,
		},
		{
			name:   "no zone in common",
			before: map[string]zoneFiles{"intel-rapl:0": pkg("10", r)},
			after:  map[string]zoneFiles{"intel-rapl:1": pkg("15", r)},
			wantOK: false,
		},
		{
			name:   "unchanged counter is zero energy, not missing",
			before: map[string]zoneFiles{"intel-rapl:0": pkg("10", r)},
			after:  map[string]zoneFiles{"intel-rapl:0": pkg("10", r)},
			want:   0, wantOK: true,
		},
		{
			name:   "range changed: not the same counter",
			before: map[string]zoneFiles{"intel-rapl:0": pkg("10", r), "intel-rapl:1": pkg("10", r)},
			after:  map[string]zoneFiles{"intel-rapl:0": pkg("15", "2000"), "intel-rapl:1": pkg("17", r)},
			want:   7, wantOK: true,
		},
		{
			name:   "reading above its range is skipped",
			before: map[string]zoneFiles{"intel-rapl:0": pkg("10", r), "intel-rapl:1": pkg("10", r)},
			after:  map[string]zoneFiles{"intel-rapl:0": pkg("1001", r), "intel-rapl:1": pkg("17", r)},
			want:   7, wantOK: true,
		},
		{
			name:   "every common zone inconsistent",
			before: map[string]zoneFiles{"intel-rapl:0": pkg("10", r)},
			after:  map[string]zoneFiles{"intel-rapl:0": pkg("1001", r)},
			wantOK: false,
		},
	})
}

// A counter that wrapped counts through its range, read before or after;
// a sum over uint64 is uncountable.
func TestEnergySinceWrapAndSum(t *testing.T) {
	checkEnergySince(t, []energyCase{
		{
			name:   "wrap with the range read only before",
			before: map[string]zoneFiles{"intel-rapl:0": pkg("990", r)},
			after:  map[string]zoneFiles{"intel-rapl:0": pkg("5", "")},
			want:   16, wantOK: true,
		},
		{
			name:   "wrap with the range read only after",
			before: map[string]zoneFiles{"intel-rapl:0": pkg("990", "")},
			after:  map[string]zoneFiles{"intel-rapl:0": pkg("5", r)},
			want:   16, wantOK: true,
		},
		{
			name:   "wrap with no range is uncountable",
			before: map[string]zoneFiles{"intel-rapl:0": pkg("990", "")},
			after:  map[string]zoneFiles{"intel-rapl:0": pkg("5", "")},
			wantOK: false,
		},
		{
			name:   "no wrap needs no range",
			before: map[string]zoneFiles{"intel-rapl:0": pkg("5", "")},
			after:  map[string]zoneFiles{"intel-rapl:0": pkg("990", "")},
			want:   985, wantOK: true,
		},
		{
			name: "sum overflowing uint64",
			before: map[string]zoneFiles{
				"intel-rapl:0": pkg("0", ""),
				"intel-rapl:1": pkg("0", ""),
			},
			after: map[string]zoneFiles{
				"intel-rapl:0": pkg(strconv.FormatUint(math.MaxUint64/2+1, 10), ""),
				"intel-rapl:1": pkg(strconv.FormatUint(math.MaxUint64/2+1, 10), ""),
			},
			wantOK: false,
		},
		{
			name: "sum at exactly uint64 max",
			before: map[string]zoneFiles{
				"intel-rapl:0": pkg("0", ""),
				"intel-rapl:1": pkg("0", ""),
			},
			after: map[string]zoneFiles{
				"intel-rapl:0": pkg(strconv.FormatUint(math.MaxUint64/2+1, 10), ""),
				"intel-rapl:1": pkg(strconv.FormatUint(math.MaxUint64/2, 10), ""),
			},
			want: math.MaxUint64, wantOK: true,
		},
	})
}

func TestReadFSZoneSelection(t *testing.T) {
	tests := []struct {
		dir, name string
		want      bool
	}{
		{dir: "intel-rapl:0", name: "package-0", want: true},
		{dir: "intel-rapl:12", name: "package-12", want: true},
		{dir: "intel-rapl:1", name: "package-0-die-1", want: true}, // multi-die parts
		{dir: "intel-rapl:0:0", name: "core"},                      // sub-zone
		{dir: "intel-rapl:0:0", name: "package-0"},                 // sub-zone, whatever its name
		{dir: "intel-rapl:1", name: "psys"},                        // whole platform
		{dir: "intel-rapl-mmio:0", name: "package-0"},              // same counter via MMIO
		{dir: "intel-rapl:", name: "package-0"},
		{dir: "intel-rapl:x", name: "package-0"},
		{dir: "intel-rapl", name: "package-0"}, // the control type itself
		{dir: "dtpm:0", name: "package-0"},
	}
	for _, tt := range tests {
		t.Run(tt.dir+"="+tt.name, func(t *testing.T) {
			s, ok := powercap.ReadFS(machine(map[string]zoneFiles{tt.dir: {tt.name, "1", "9"}}))
			assert.Equal(t, tt.want, ok)
			assert.Equal(t, map[bool]int{true: 1, false: 0}[tt.want], s.Zones())
		})
	}
}

func TestReadFSMalformedCounters(t *testing.T) {
	for _, energy := range []string{"", "-1", "1 ", "0x10", "18446744073709551616", "12\n\n"} {
		t.Run(strconv.Quote(energy), func(t *testing.T) {
			fsys := fstest.MapFS{
				"intel-rapl:0/name":      {Data: []byte("package-0\n")},
				"intel-rapl:0/energy_uj": {Data: []byte(energy)},
			}
			s, ok := powercap.ReadFS(fsys)
			assert.False(t, ok)
			assert.Zero(t, s.Zones())
		})
	}
}
