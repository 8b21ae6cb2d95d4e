package powercap_test

import (
	"bytes"
	"fmt"
	"io/fs"
	"math"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/perfgate/adapters/internal/powercap"
	"github.com/perfgate/adapters/internal/testcap"
)

// fixtureDir is the module's testdata/powercap. Each machine is a txtar
// archive holding two readings of /sys/class/powercap, under before/ and
// after/; zone names contain ':', which Windows file names cannot.
var fixtureDir = filepath.Join("..", "..", "testdata", "powercap")

// loadTxtar parses a txtar archive (the golang.org/x/tools/txtar format:
// a comment, then files each introduced by a "-- name --" line) into a
// file system. The parser is a few lines so the module needs no x/tools.
func loadTxtar(t testing.TB, name string) fstest.MapFS {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(fixtureDir, name+".txtar"))
	require.NoError(t, err)
	fsys := fstest.MapFS{}
	var current string
	for _, line := range strings.SplitAfter(string(data), "\n") {
		trimmed := strings.TrimSuffix(line, "\n")
		if strings.HasPrefix(trimmed, "-- ") && strings.HasSuffix(trimmed, " --") && len(trimmed) > 6 {
			current = strings.TrimSpace(trimmed[3 : len(trimmed)-3])
			require.NotContains(t, fsys, current, "duplicate file in %s", name)
			fsys[current] = &fstest.MapFile{Mode: 0o444}
			continue
		}
		if current != "" {
			fsys[current].Data = append(fsys[current].Data, line...)
		}
	}
	require.NotEmpty(t, fsys, "no files in %s", name)
	return fsys
}

// reading returns the before/ or after/ half of a fixture.
func reading(t testing.TB, fixture, which string) fs.FS {
	t.Helper()
	sub, err := fs.Sub(loadTxtar(t, fixture), which)
	require.NoError(t, err)
	return sub
}

// TestFixturesLookLikeSysfs keeps the fixtures honest: every counter and
// name file is one line ending in a newline, as sysfs writes them.
func TestFixturesLookLikeSysfs(t *testing.T) {
	for _, fixture := range []string{"two-packages", "wrapped", "laptop-psys", "no-zones"} {
		for name, f := range loadTxtar(t, fixture) {
			assert.Regexp(t, `^[^\n]+\n$`, string(f.Data), "%s: %s", fixture, name)
		}
	}
}

func TestReadFixtures(t *testing.T) {
	tests := []struct {
		fixture   string
		wantOK    bool
		wantZones int
	}{
		{fixture: "two-packages", wantOK: true, wantZones: 2},
		{fixture: "wrapped", wantOK: true, wantZones: 2},
		{fixture: "laptop-psys", wantOK: true, wantZones: 1},
		{fixture: "no-zones", wantOK: false, wantZones: 0},
	}
	for _, tt := range tests {
		for _, which := range []string{"before", "after"} {
			t.Run(tt.fixture+"/"+which, func(t *testing.T) {
				s, ok := powercap.ReadFS(reading(t, tt.fixture, which))
				assert.Equal(t, tt.wantOK, ok)
				assert.Equal(t, tt.wantZones, s.Zones())
			})
		}
	}
}

func TestEnergySinceFixtures(t *testing.T) {
	tests := []struct {
		fixture string
		want    uint64
	}{
		// 500000 + 250000; the sub-zones' 300000+100000+150000+50000 must
		// not be added.
		{fixture: "two-packages", want: 750000},
		// Package 0 wrapped: (262143328850-262143328000)+1000+1 = 1851;
		// package 1 used 7000-5000 = 2000.
		{fixture: "wrapped", want: 3851},
		// Only package-0; psys (6000000) and the MMIO copy are left out.
		{fixture: "laptop-psys", want: 3000000},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			before, ok := powercap.ReadFS(reading(t, tt.fixture, "before"))
			require.True(t, ok)
			after, ok := powercap.ReadFS(reading(t, tt.fixture, "after"))
			require.True(t, ok)
			got, ok := after.EnergySince(before)
			require.True(t, ok)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestEnergySinceNoZones(t *testing.T) {
	before, ok := powercap.ReadFS(reading(t, "no-zones", "before"))
	require.False(t, ok)
	after, ok := powercap.ReadFS(reading(t, "no-zones", "after"))
	require.False(t, ok)
	got, ok := after.EnergySince(before)
	assert.False(t, ok)
	assert.Zero(t, got)

	// The zero Snapshot is a valid empty reading too.
	got, ok = powercap.Snapshot{}.EnergySince(powercap.Snapshot{})
	assert.False(t, ok)
	assert.Zero(t, got)
}

func TestReadMissingRoot(t *testing.T) {
	s, ok := powercap.Read(filepath.Join(t.TempDir(), "no-powercap"))
	assert.False(t, ok)
	assert.Zero(t, s.Zones())
}

// writeTree materializes a fixture reading as real files, the way Read
// meets them in /sys/class/powercap.
func writeTree(t *testing.T, fsys fs.FS) string {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("zone names contain ':', which Windows file names cannot")
	}
	root := t.TempDir()
	err := fs.WalkDir(fsys, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(fsys, path)
		if err != nil {
			return err
		}
		dst := filepath.Join(root, filepath.FromSlash(path))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		return os.WriteFile(dst, data, 0o444)
	})
	require.NoError(t, err)
	return root
}

// TestReadOnDisk runs Read, not ReadFS, on the fixtures written to disk.
func TestReadOnDisk(t *testing.T) {
	before, ok := powercap.Read(writeTree(t, reading(t, "wrapped", "before")))
	require.True(t, ok)
	after, ok := powercap.Read(writeTree(t, reading(t, "wrapped", "after")))
	require.True(t, ok)
	got, ok := after.EnergySince(before)
	require.True(t, ok)
	assert.Equal(t, uint64(3851), got)
}

// TestReadPermissionDenied makes energy_uj root-only as kernels do since
// the Platypus mitigation; it needs a user the mode bits apply to.
func TestReadPermissionDenied(t *testing.T) {
	root := writeTree(t, reading(t, "two-packages", "before"))
	if os.Geteuid() == 0 {
		t.Skip("root reads files whatever their mode; TestReadFSUnreadableEnergy covers this")
	}
	for _, zone := range []string{"intel-rapl:0", "intel-rapl:1"} {
		require.NoError(t, os.Chmod(filepath.Join(root, zone, "energy_uj"), 0o000))
	}
	s, ok := powercap.Read(root)
	assert.False(t, ok)
	assert.Zero(t, s.Zones())
}

// denyFS fails with fs.ErrPermission, like EACCES from sysfs, on the named
// files and serves the rest from FS.
type denyFS struct {
	fs.FS
	denied map[string]bool
}

func (d denyFS) Open(name string) (fs.File, error) {
	if d.denied[name] {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrPermission}
	}
	return d.FS.Open(name)
}

func TestReadFSUnreadableEnergy(t *testing.T) {
	before := reading(t, "two-packages", "before")

	// One package unreadable: it is absent, the other one is read.
	s, ok := powercap.ReadFS(denyFS{FS: before, denied: map[string]bool{"intel-rapl:1/energy_uj": true}})
	require.True(t, ok)
	assert.Equal(t, 1, s.Zones())

	// Every package unreadable (the usual case for a non-root user): no
	// zone, whatever the readable sub-zones say.
	s, ok = powercap.ReadFS(denyFS{FS: before, denied: map[string]bool{
		"intel-rapl:0/energy_uj": true,
		"intel-rapl:1/energy_uj": true,
	}})
	assert.False(t, ok)
	assert.Zero(t, s.Zones())

	// An unreadable name cannot be told from psys, so the zone is left out.
	s, ok = powercap.ReadFS(denyFS{FS: before, denied: map[string]bool{"intel-rapl:0/name": true}})
	require.True(t, ok)
	assert.Equal(t, 1, s.Zones())

	// An unreadable range keeps the zone: it only stops a wrap from
	// being counted.
	s, ok = powercap.ReadFS(denyFS{FS: before, denied: map[string]bool{"intel-rapl:0/max_energy_range_uj": true}})
	require.True(t, ok)
	assert.Equal(t, 2, s.Zones())

	// An unreadable root directory: nothing.
	s, ok = powercap.ReadFS(denyFS{FS: before, denied: map[string]bool{".": true}})
	assert.False(t, ok)
	assert.Zero(t, s.Zones())
}

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

func TestEnergySinceZoneMatching(t *testing.T) {
	const r = "1000"
	pkg := func(energy, rangeUJ string) zoneFiles { return zoneFiles{"package-0", energy, rangeUJ} }
	tests := []struct {
		name          string
		before, after map[string]zoneFiles
		want          uint64
		wantOK        bool
	}{
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
	}
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

func TestCounterDelta(t *testing.T) {
	const maxU = math.MaxUint64
	tests := []struct {
		name                 string
		before, after, maxUJ uint64
		want                 uint64
		wantOK               bool
	}{
		{name: "forward", before: 100, after: 350, maxUJ: 1000, want: 250, wantOK: true},
		{name: "unchanged", before: 7, after: 7, maxUJ: 1000, want: 0, wantOK: true},
		{name: "forward to max", before: 0, after: 1000, maxUJ: 1000, want: 1000, wantOK: true},
		{name: "forward, range unknown", before: 100, after: 350, maxUJ: 0, want: 250, wantOK: true},
		// The range is [0, max] inclusive: max -> 0 is one step.
		{name: "max to zero", before: 1000, after: 0, maxUJ: 1000, want: 1, wantOK: true},
		{name: "wrap", before: 900, after: 50, maxUJ: 1000, want: 100 + 50 + 1, wantOK: true},
		{name: "one short of a full lap", before: 1, after: 0, maxUJ: 1000, want: 1000, wantOK: true},
		{name: "wrap to just below before", before: 500, after: 499, maxUJ: 1000, want: 1000, wantOK: true},
		{name: "wrap, real RAPL range", before: 262143328000, after: 1000, maxUJ: 262143328850, want: 1851, wantOK: true},
		{name: "wrap, range unknown", before: 900, after: 50, maxUJ: 0, wantOK: false},
		{name: "before above range", before: 1001, after: 1002, maxUJ: 1000, wantOK: false},
		{name: "after above range", before: 10, after: 1001, maxUJ: 1000, wantOK: false},
		{name: "uint64 range, max to zero", before: maxU, after: 0, maxUJ: maxU, want: 1, wantOK: true},
		{name: "uint64 range, longest wrap", before: maxU, after: maxU - 1, maxUJ: maxU, want: maxU, wantOK: true},
		{name: "uint64 range, forward", before: 0, after: maxU, maxUJ: maxU, want: maxU, wantOK: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := powercap.CounterDelta(tt.before, tt.after, tt.maxUJ)
			assert.Equal(t, tt.wantOK, ok)
			assert.Equal(t, tt.want, got)
		})
	}
}

// TestCounterDeltaIsModular checks the wrap against a counter simulated
// step by step over the range [0, max].
func TestCounterDeltaIsModular(t *testing.T) {
	const maxUJ = 12
	for start := uint64(0); start <= maxUJ; start++ {
		counter := start
		// Up to one full lap minus nothing: beyond that a wrap is lost.
		for steps := uint64(0); steps <= maxUJ; steps++ {
			got, ok := powercap.CounterDelta(start, counter, maxUJ)
			require.True(t, ok)
			require.Equal(t, steps, got, "start %d after %d steps (counter %d)", start, steps, counter)
			if counter == maxUJ {
				counter = 0
			} else {
				counter++
			}
		}
	}
}

func TestParseCounter(t *testing.T) {
	tests := []struct {
		in     string
		want   uint64
		wantOK bool
	}{
		{in: "0\n", want: 0, wantOK: true},
		{in: "262143328850\n", want: 262143328850, wantOK: true},
		{in: "42", want: 42, wantOK: true},
		{in: "007\n", want: 7, wantOK: true},
		{in: "18446744073709551615\n", want: math.MaxUint64, wantOK: true},
		{in: "18446744073709551616\n"},
		{in: ""},
		{in: "\n"},
		{in: "12\n\n"},
		{in: "12 \n"},
		{in: " 12\n"},
		{in: "12\r\n"},
		{in: "+12\n"},
		{in: "-12\n"},
		{in: "0x12\n"},
		{in: "1_000\n"},
		{in: "１２\n"}, // full-width digits
	}
	for _, tt := range tests {
		t.Run(strconv.Quote(tt.in), func(t *testing.T) {
			got, err := powercap.ParseCounter([]byte(tt.in))
			if !tt.wantOK {
				require.ErrorIs(t, err, powercap.ErrBadCounter)
				assert.Zero(t, got)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

var counterGrammar = regexp.MustCompile(`^([0-9]+)\n?$`)

func FuzzParseCounter(f *testing.F) {
	for _, seed := range []string{
		"0\n", "262143328850\n", "18446744073709551615\n", "18446744073709551616\n",
		"", "\n", "12\n\n", "-1\n", "0x1f\n", " 1\n", "1_0\n", "00000000000000000000000000001\n",
	} {
		f.Add([]byte(seed))
	}
	maxUint64 := new(big.Int).SetUint64(math.MaxUint64)
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := powercap.ParseCounter(data)
		m := counterGrammar.FindSubmatch(data)
		if m == nil {
			require.ErrorIs(t, err, powercap.ErrBadCounter)
			require.Zero(t, got)
			return
		}
		want, _ := new(big.Int).SetString(string(m[1]), 10)
		if want.Cmp(maxUint64) > 0 {
			require.ErrorIs(t, err, powercap.ErrBadCounter)
			require.Zero(t, got)
			return
		}
		require.NoError(t, err)
		require.Equal(t, want.Uint64(), got)
		// What was parsed prints back as the input less leading zeros.
		require.Equal(t, strings.TrimLeft(string(m[1]), "0"), strings.TrimLeft(strconv.FormatUint(got, 10), "0"))
	})
}

// TestReadHost reads the real counters where hostRAPLPackages finds any
// without the package; it checks consistency only, since the values are
// the machine's.
func TestReadHost(t *testing.T) {
	zones, missing := hostRAPLPackages()
	testcap.SkipUnlessCapable(t, "rapl", missing)
	before, ok := powercap.Read(powercap.DefaultRoot)
	require.True(t, ok, "RAPL package zones %q are readable, but Read found none", zones)
	assert.Equal(t, len(zones), before.Zones())
	after, ok := powercap.Read(powercap.DefaultRoot)
	require.True(t, ok)
	assert.Equal(t, before.Zones(), after.Zones())
	_, ok = after.EnergySince(before)
	assert.True(t, ok)
}

// hostRAPLPackages lists the RAPL package zones of /sys/class/powercap
// whose energy_uj reads as a decimal number, read here without the
// package, or says why there are none.
func hostRAPLPackages() (zones []string, missing string) {
	const root = "/sys/class/powercap"
	entries, err := os.ReadDir(root)
	if err != nil {
		return nil, fmt.Sprintf("no powercap: %v", err)
	}
	zone := regexp.MustCompile(`^intel-rapl:[0-9]+$`)
	counter := regexp.MustCompile(`^[0-9]+\n?$`)
	var why []string
	for _, e := range entries {
		if !zone.MatchString(e.Name()) {
			continue
		}
		dir := filepath.Join(root, e.Name())
		name, err := os.ReadFile(filepath.Join(dir, "name"))
		if err != nil || !strings.HasPrefix(string(name), "package-") {
			continue
		}
		energy, err := os.ReadFile(filepath.Join(dir, "energy_uj"))
		switch {
		case err != nil:
			why = append(why, err.Error())
		case !counter.Match(energy):
			why = append(why, fmt.Sprintf("%s/energy_uj holds %q", dir, energy))
		default:
			zones = append(zones, e.Name())
		}
	}
	if len(zones) > 0 {
		return zones, ""
	}
	if len(why) == 0 {
		return nil, "no RAPL package zone in " + root
	}
	return nil, "no readable RAPL package counter: " + strings.Join(why, "; ")
}

// TestLoadTxtarMarkers checks the fixture parser: markers start files and
// are not part of their contents.
func TestLoadTxtarMarkers(t *testing.T) {
	fsys := loadTxtar(t, "no-zones")
	assert.Equal(t, []byte("0\n"), fsys["before/intel-rapl/enabled"].Data)
	assert.False(t, bytes.Contains(fsys["before/intel-rapl/enabled"].Data, []byte("--")))
	assert.Len(t, fsys, 2)
}
