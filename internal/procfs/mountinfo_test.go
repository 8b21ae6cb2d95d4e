package procfs_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/perfgate/adapters/internal/procfs"
)

func TestMountsFixture(t *testing.T) {
	got, err := procfs.Mounts(filepath.Join(fixtures, "mountinfo"), "self")
	require.NoError(t, err)
	assert.Equal(t, []procfs.Mount{
		{Root: "/", Point: "/proc", FSType: "proc"},
		{Root: "/", Point: "/sys/fs/cgroup", FSType: "cgroup2"},
		{Root: "/", Point: "/", FSType: "ext4"},
		{Root: "/user.slice", Point: "/mnt/a b", FSType: "cgroup2"},
		{Root: "/", Point: "/mnt/noopt", FSType: "tmpfs"},
	}, got, "the line without a separator and the one that is no mount are skipped")
}

// The \ooo escapes of mountinfo are undone; what is not one is kept.
func TestParseMountInfoEscapes(t *testing.T) {
	for in, want := range map[string]string{
		"/sys/fs/cgroup":     "/sys/fs/cgroup",
		`/mnt/a\040b`:        "/mnt/a b",
		`/mnt/back\134slash`: `/mnt/back\slash`,
		`/mnt/trailing\04`:   `/mnt/trailing\04`,
		`/mnt/not\999octal`:  `/mnt/not\999octal`,
	} {
		got := procfs.ParseMountInfo([]byte("1 2 0:1 / " + in + " rw - tmpfs tmpfs rw\n"))
		if assert.Len(t, got, 1, "%q", in) {
			assert.Equal(t, want, got[0].Point, "%q", in)
		}
	}
}

func FuzzParseMountInfo(f *testing.F) {
	f.Add([]byte("26 28 0:23 / /sys/fs/cgroup rw shared:9 - cgroup2 cgroup2 rw\n"))
	f.Add([]byte(`1 2 3 \0 \1234 - - - -`))
	f.Fuzz(func(t *testing.T, data []byte) { procfs.ParseMountInfo(data) })
}
