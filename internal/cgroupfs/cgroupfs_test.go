package cgroupfs_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/perfgate/adapters/internal/cgroupfs"

	"github.com/perfgate/adapters/internal/testcap"
)

// fixtures is the module's testdata/cgroup: one directory per machine,
// laid out from / (see its README.md).
var fixtures = filepath.Join("..", "..", "testdata", "cgroup")

func TestLocateFixtures(t *testing.T) {
	tests := []struct {
		machine  string
		wantPath string
		wantDir  string
		wantErr  error
	}{
		{machine: "hybrid", wantPath: "/", wantDir: "/sys/fs/cgroup/unified"},
		{machine: "systemd-v2", wantPath: "/system.slice/run-u57.scope/harness",
			wantDir: "/sys/fs/cgroup/system.slice/run-u57.scope/harness"},
		{machine: "systemd-v2-user",
			wantPath: "/user.slice/user-1000.slice/user@1000.service/app.slice/run-r9b1e.scope/harness",
			wantDir:  "/sys/fs/cgroup/user.slice/user-1000.slice/user@1000.service/app.slice/run-r9b1e.scope/harness"},
		{machine: "container-v2", wantPath: "/", wantDir: "/sys/fs/cgroup"},
		{machine: "v1-only", wantErr: cgroupfs.ErrNoV2},
		{machine: "no-such-machine", wantErr: fs.ErrNotExist},
	}
	for _, tt := range tests {
		t.Run(tt.machine, func(t *testing.T) {
			loc, err := cgroupfs.Locate(filepath.Join(fixtures, tt.machine, "proc"))
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantPath, loc.Path)
			assert.Equal(t, tt.wantDir, loc.Dir)
		})
	}
}

// The directories Locate names exist in the fixtures, so the fixtures
// agree with themselves.
func TestFixturesAreConsistent(t *testing.T) {
	for _, machine := range []string{"hybrid", "systemd-v2", "systemd-v2-user"} {
		loc, err := cgroupfs.Locate(filepath.Join(fixtures, machine, "proc"))
		require.NoError(t, err)
		info, err := os.Stat(filepath.Join(fixtures, machine, filepath.FromSlash(loc.Dir)))
		require.NoError(t, err, machine)
		assert.True(t, info.IsDir())
	}
}

func TestLocateReadOnlyMountIsReported(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(fixtures, "container-v2", "proc", "self", "mountinfo"))
	require.NoError(t, err)
	mounts := cgroupfs.ParseMountInfo(data)
	require.Len(t, mounts, 1)
	assert.Equal(t, cgroupfs.Mount{Root: "/", Point: "/sys/fs/cgroup", FSType: "cgroup2", ReadOnly: true}, mounts[0])
}

func TestParseMountInfo(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []cgroupfs.Mount
	}{
		{name: "pure v2", in: "30 21 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate\n",
			want: []cgroupfs.Mount{{Root: "/", Point: "/sys/fs/cgroup", FSType: "cgroup2"}}},
		{name: "no optional fields", in: "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw",
			want: []cgroupfs.Mount{{Root: "/", Point: "/sys/fs/cgroup/unified", FSType: "cgroup2"}}},
		{name: "two optional fields", in: "1 2 0:1 / /x rw shared:1 master:2 - cgroup2 none rw\n",
			want: []cgroupfs.Mount{{Root: "/", Point: "/x", FSType: "cgroup2"}}},
		{name: "read-only", in: "1 2 0:1 / /x rw,ro - cgroup2 none rw\n",
			want: []cgroupfs.Mount{{Root: "/", Point: "/x", FSType: "cgroup2", ReadOnly: true}}},
		{name: "bind of a subtree", in: "1 2 0:1 /system.slice/a.scope /c ro - cgroup2 cgroup rw\n",
			want: []cgroupfs.Mount{{Root: "/system.slice/a.scope", Point: "/c", FSType: "cgroup2", ReadOnly: true}}},
		{name: "escaped blanks and backslash", in: `1 2 0:1 /a\040b /mnt/x\011y\134z rw - cgroup2 cgroup2 rw` + "\n",
			want: []cgroupfs.Mount{{Root: "/a b", Point: "/mnt/x\ty\\z", FSType: "cgroup2"}}},
		{name: "not an escape", in: `1 2 0:1 / /m\4 rw - cgroup2 cgroup2 rw` + "\n" + `1 2 0:1 / /n\400 rw - cgroup2 c rw`,
			want: []cgroupfs.Mount{{Root: "/", Point: `/m\4`, FSType: "cgroup2"}, {Root: "/", Point: `/n\400`, FSType: "cgroup2"}}},
		{name: "v1 and others skipped", in: "32 31 0:29 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n22 27 0:21 / /proc rw - proc proc rw\n"},
		{name: "fs type in a path is not the type", in: "1 2 0:1 / /cgroup2 rw - tmpfs cgroup2 rw\n"},
		{name: "no separator", in: "1 2 0:1 / /x rw cgroup2 cgroup2 rw\n"},
		{name: "separator too late", in: "1 2 0:1 / /x rw - cgroup2 cgroup2\n"},
		{name: "relative mount point", in: "1 2 0:1 / x rw - cgroup2 cgroup2 rw\n"},
		{name: "empty", in: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, cgroupfs.ParseMountInfo([]byte(tt.in)))
		})
	}
}

func TestDir(t *testing.T) {
	rootMount := cgroupfs.Mount{Root: "/", Point: "/sys/fs/cgroup"}
	tests := []struct {
		name   string
		mounts []cgroupfs.Mount
		path   string
		want   string
		ok     bool
	}{
		{"root", []cgroupfs.Mount{rootMount}, "/", "/sys/fs/cgroup", true},
		{"nested", []cgroupfs.Mount{rootMount}, "/a/b", "/sys/fs/cgroup/a/b", true},
		{"bind of the cgroup itself", []cgroupfs.Mount{{Root: "/a/b", Point: "/c"}}, "/a/b", "/c", true},
		{"bind of an ancestor", []cgroupfs.Mount{{Root: "/a", Point: "/c"}}, "/a/b", "/c/b", true},
		{"name prefix is not an ancestor", []cgroupfs.Mount{{Root: "/a", Point: "/c"}}, "/ab", "", false},
		{"outside the bind", []cgroupfs.Mount{{Root: "/a/b", Point: "/c"}}, "/a", "", false},
		{"no mounts", nil, "/", "", false},
		{"read-write preferred", []cgroupfs.Mount{{Root: "/", Point: "/ro", ReadOnly: true}, {Root: "/", Point: "/rw"}}, "/x", "/rw/x", true},
		{"first read-write wins", []cgroupfs.Mount{{Root: "/", Point: "/one"}, {Root: "/", Point: "/two"}}, "/x", "/one/x", true},
		{"read-only when alone", []cgroupfs.Mount{{Root: "/", Point: "/ro", ReadOnly: true}}, "/x", "/ro/x", true},
		{"unclean path", []cgroupfs.Mount{rootMount}, "/a//b/", "/sys/fs/cgroup/a/b", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := cgroupfs.Dir(tt.mounts, tt.path)
			assert.Equal(t, tt.ok, ok)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParseProcCgroup(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    string
		wantErr error
	}{
		{name: "pure v2", in: "0::/user.slice/user-1000.slice/session-2.scope\n", want: "/user.slice/user-1000.slice/session-2.scope"},
		{name: "root", in: "0::/\n", want: "/"},
		{name: "hybrid", in: "9:name=systemd:/\n4:memory:/x\n0::/\n", want: "/"},
		{name: "no newline", in: "0::/a", want: "/a"},
		{name: "first wins", in: "0::/a\n0::/b\n", want: "/a"},
		{name: "blank in a name", in: "0::/a b\n", want: "/a b"},
		{name: "deleted", in: "0::/gone (deleted)\n", want: "/gone", wantErr: cgroupfs.ErrDeleted},
		{name: "v1 only", in: "4:memory:/x\n1:name=systemd:/y\n", wantErr: cgroupfs.ErrNoV2},
		{name: "empty", in: "", wantErr: cgroupfs.ErrNoV2},
		{name: "relative", in: "0::x\n", wantErr: cgroupfs.ErrMalformed},
		{name: "empty path", in: "0::\n", wantErr: cgroupfs.ErrMalformed},
		{name: "hierarchy 10 is not 0", in: "10::/a\n", wantErr: cgroupfs.ErrNoV2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := cgroupfs.ParseProcCgroup([]byte(tt.in))
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
			} else {
				require.NoError(t, err)
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

// TestLocateHost runs Locate on this machine's /proc where this process
// is in a cgroup v2, as testcap.OwnCgroupV2 finds without Locate: Locate
// must find the same directory, a cgroup directory.
func TestLocateHost(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("cgroups are Linux's")
	}
	own, missing := testcap.OwnCgroupV2()
	testcap.SkipUnlessCapable(t, "cgroup2", missing)
	loc, err := cgroupfs.Locate(cgroupfs.DefaultProcRoot)
	require.NoError(t, err)
	assert.Equal(t, own.Dir, loc.Dir)
	_, err = os.Stat(filepath.Join(loc.Dir, "cgroup.procs"))
	assert.NoError(t, err, "%s is not a cgroup directory", loc.Dir)
}
