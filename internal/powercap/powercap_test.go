package powercap_test

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/perfgate/adapters/internal/powercap"
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

// TestLoadTxtarMarkers checks the fixture parser: markers start files and
// are not part of their contents.
func TestLoadTxtarMarkers(t *testing.T) {
	fsys := loadTxtar(t, "no-zones")
	assert.Equal(t, []byte("0\n"), fsys["before/intel-rapl/enabled"].Data)
	assert.False(t, bytes.Contains(fsys["before/intel-rapl/enabled"].Data, []byte("--")))
	assert.Len(t, fsys, 2)
}
