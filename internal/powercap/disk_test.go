package powercap_test

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/perfgate/adapters/internal/powercap"
	"github.com/perfgate/adapters/internal/testcap"
)

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
