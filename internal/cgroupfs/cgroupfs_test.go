package cgroupfs_test

import (
	"io/fs"
	"math"
	"math/big"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"strings"
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
	assert.Equal(t, cgroupfs.Mount{Root: "/", MountPoint: "/sys/fs/cgroup", ReadOnly: true}, mounts[0])
}

// runCgroup returns the per-run cgroup directory of a fixture machine.
func runCgroup(t testing.TB, machine string) fs.FS {
	t.Helper()
	var found string
	root := filepath.Join(fixtures, machine)
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() && strings.HasPrefix(d.Name(), "perfgate-") {
			found = p
		}
		return err
	})
	require.NoError(t, err)
	require.NotEmpty(t, found, "no per-run cgroup in %s", machine)
	return os.DirFS(found)
}

func TestReadStatsFixtures(t *testing.T) {
	t.Run("hybrid", func(t *testing.T) {
		s := cgroupfs.ReadStats(runCgroup(t, "hybrid"))
		require.NoError(t, s.CPUErr)
		assert.Equal(t, cgroupfs.CPUStat{UsageUsec: 512348, UserUsec: 498210, SystemUsec: 14137}, s.CPU)
		assert.ErrorIs(t, s.MemoryPeakErr, fs.ErrNotExist, "no memory controller in the v2 hierarchy")
		assert.ErrorIs(t, s.IOErr, fs.ErrNotExist)
	})
	t.Run("systemd-v2", func(t *testing.T) {
		s := cgroupfs.ReadStats(runCgroup(t, "systemd-v2"))
		require.NoError(t, s.CPUErr)
		assert.Equal(t, cgroupfs.CPUStat{UsageUsec: 1843721, UserUsec: 1702315, SystemUsec: 141406}, s.CPU)
		require.NoError(t, s.MemoryPeakErr)
		assert.Equal(t, uint64(73490432), s.MemoryPeak)
		require.NoError(t, s.IOErr)
		assert.Equal(t, cgroupfs.IOStat{ReadBytes: 1052672 + 20480, WriteBytes: 4096000, Devices: 2}, s.IO)
	})
	t.Run("systemd-v2-user", func(t *testing.T) {
		s := cgroupfs.ReadStats(runCgroup(t, "systemd-v2-user"))
		require.NoError(t, s.CPUErr)
		assert.Equal(t, uint64(305117), s.CPU.UsageUsec)
		require.NoError(t, s.MemoryPeakErr)
		assert.Equal(t, uint64(11743232), s.MemoryPeak)
		assert.ErrorIs(t, s.IOErr, fs.ErrNotExist, "user@.service does not delegate io")
	})
	t.Run("events", func(t *testing.T) {
		for _, machine := range []string{"hybrid", "systemd-v2", "systemd-v2-user"} {
			data, err := fs.ReadFile(runCgroup(t, machine), "cgroup.events")
			require.NoError(t, err)
			ev, err := cgroupfs.ParseEvents(data)
			require.NoError(t, err)
			assert.Equal(t, cgroupfs.Events{}, ev, "a run cgroup is empty when it is read")
		}
	})
}

func TestParseMountInfo(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []cgroupfs.Mount
	}{
		{name: "pure v2", in: "30 21 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate\n",
			want: []cgroupfs.Mount{{Root: "/", MountPoint: "/sys/fs/cgroup"}}},
		{name: "no optional fields", in: "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw",
			want: []cgroupfs.Mount{{Root: "/", MountPoint: "/sys/fs/cgroup/unified"}}},
		{name: "two optional fields", in: "1 2 0:1 / /x rw shared:1 master:2 - cgroup2 none rw\n",
			want: []cgroupfs.Mount{{Root: "/", MountPoint: "/x"}}},
		{name: "read-only", in: "1 2 0:1 / /x rw,ro - cgroup2 none rw\n",
			want: []cgroupfs.Mount{{Root: "/", MountPoint: "/x", ReadOnly: true}}},
		{name: "bind of a subtree", in: "1 2 0:1 /system.slice/a.scope /c ro - cgroup2 cgroup rw\n",
			want: []cgroupfs.Mount{{Root: "/system.slice/a.scope", MountPoint: "/c", ReadOnly: true}}},
		{name: "escaped blanks and backslash", in: `1 2 0:1 /a\040b /mnt/x\011y\134z rw - cgroup2 cgroup2 rw` + "\n",
			want: []cgroupfs.Mount{{Root: "/a b", MountPoint: "/mnt/x\ty\\z"}}},
		{name: "not an escape", in: `1 2 0:1 / /m\4 rw - cgroup2 cgroup2 rw` + "\n" + `1 2 0:1 / /n\400 rw - cgroup2 c rw`,
			want: []cgroupfs.Mount{{Root: "/", MountPoint: `/m\4`}, {Root: "/", MountPoint: `/n\400`}}},
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
	rootMount := cgroupfs.Mount{Root: "/", MountPoint: "/sys/fs/cgroup"}
	tests := []struct {
		name   string
		mounts []cgroupfs.Mount
		path   string
		want   string
		ok     bool
	}{
		{"root", []cgroupfs.Mount{rootMount}, "/", "/sys/fs/cgroup", true},
		{"nested", []cgroupfs.Mount{rootMount}, "/a/b", "/sys/fs/cgroup/a/b", true},
		{"bind of the cgroup itself", []cgroupfs.Mount{{Root: "/a/b", MountPoint: "/c"}}, "/a/b", "/c", true},
		{"bind of an ancestor", []cgroupfs.Mount{{Root: "/a", MountPoint: "/c"}}, "/a/b", "/c/b", true},
		{"name prefix is not an ancestor", []cgroupfs.Mount{{Root: "/a", MountPoint: "/c"}}, "/ab", "", false},
		{"outside the bind", []cgroupfs.Mount{{Root: "/a/b", MountPoint: "/c"}}, "/a", "", false},
		{"no mounts", nil, "/", "", false},
		{"read-write preferred", []cgroupfs.Mount{{Root: "/", MountPoint: "/ro", ReadOnly: true}, {Root: "/", MountPoint: "/rw"}}, "/x", "/rw/x", true},
		{"first read-write wins", []cgroupfs.Mount{{Root: "/", MountPoint: "/one"}, {Root: "/", MountPoint: "/two"}}, "/x", "/one/x", true},
		{"read-only when alone", []cgroupfs.Mount{{Root: "/", MountPoint: "/ro", ReadOnly: true}}, "/x", "/ro/x", true},
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

func cpu(usage, user, system uint64) cgroupfs.CPUStat {
	return cgroupfs.CPUStat{UsageUsec: usage, UserUsec: user, SystemUsec: system}
}

func io(read, written uint64, devices int) cgroupfs.IOStat {
	return cgroupfs.IOStat{ReadBytes: read, WriteBytes: written, Devices: devices}
}

func TestParseCPUStat(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    cgroupfs.CPUStat
		wantErr error
	}{
		{name: "core keys", in: "usage_usec 3\nuser_usec 2\nsystem_usec 1\nnice_usec 0\n", want: cpu(3, 2, 1)},
		{name: "any order, extra keys", in: "nr_periods 9\nsystem_usec 1\nthrottled_usec x\nuser_usec 2\nusage_usec 3", want: cpu(3, 2, 1)},
		{name: "first wins", in: "usage_usec 3\nusage_usec 4\nuser_usec 2\nsystem_usec 1\n", want: cpu(3, 2, 1)},
		{name: "max", in: "usage_usec 18446744073709551615\nuser_usec 0\nsystem_usec 0\n", want: cpu(math.MaxUint64, 0, 0)},
		{name: "missing system", in: "usage_usec 3\nuser_usec 2\n", wantErr: cgroupfs.ErrMissingKey},
		{name: "empty", in: "", wantErr: cgroupfs.ErrMissingKey},
		{name: "negative", in: "usage_usec -3\nuser_usec 2\nsystem_usec 1\n", wantErr: cgroupfs.ErrMalformed},
		{name: "overflow", in: "usage_usec 18446744073709551616\nuser_usec 2\nsystem_usec 1\n", wantErr: cgroupfs.ErrMalformed},
		{name: "two blanks", in: "usage_usec  3\nuser_usec 2\nsystem_usec 1\n", wantErr: cgroupfs.ErrMalformed},
		{name: "carriage return", in: "usage_usec 3\r\nuser_usec 2\nsystem_usec 1\n", wantErr: cgroupfs.ErrMalformed},
		{name: "key without value is not the key", in: "usage_usec\nuser_usec 2\nsystem_usec 1\n", wantErr: cgroupfs.ErrMissingKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := cgroupfs.ParseCPUStat([]byte(tt.in))
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParseEvents(t *testing.T) {
	ev, err := cgroupfs.ParseEvents([]byte("populated 1\nfrozen 0\n"))
	require.NoError(t, err)
	assert.Equal(t, cgroupfs.Events{Populated: true}, ev)
	ev, err = cgroupfs.ParseEvents([]byte("populated 0\nfrozen 1\n"))
	require.NoError(t, err)
	assert.Equal(t, cgroupfs.Events{Frozen: true}, ev)
	ev, err = cgroupfs.ParseEvents([]byte("populated 1\n")) // before Linux 5.2
	require.NoError(t, err)
	assert.Equal(t, cgroupfs.Events{Populated: true}, ev)
	_, err = cgroupfs.ParseEvents([]byte("frozen 0\n"))
	assert.ErrorIs(t, err, cgroupfs.ErrMissingKey)
	_, err = cgroupfs.ParseEvents([]byte("populated yes\n"))
	assert.ErrorIs(t, err, cgroupfs.ErrMalformed)
}

func TestParseMemoryPeak(t *testing.T) {
	for in, want := range map[string]uint64{"73490432\n": 73490432, "0": 0, "18446744073709551615\n": math.MaxUint64} {
		got, err := cgroupfs.ParseMemoryPeak([]byte(in))
		require.NoError(t, err, "%q", in)
		assert.Equal(t, want, got)
	}
	for _, in := range []string{"", "\n", "max\n", "1 \n", "-1\n", "1\n\n", "18446744073709551616\n", "+1"} {
		_, err := cgroupfs.ParseMemoryPeak([]byte(in))
		assert.ErrorIs(t, err, cgroupfs.ErrMalformed, "%q", in)
	}
}

func TestParseIOStat(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    cgroupfs.IOStat
		wantErr error
	}{
		{name: "empty is no I/O", in: "", want: cgroupfs.IOStat{}},
		{name: "one device", in: "8:0 rbytes=4096 wbytes=8192 rios=1 wios=2 dbytes=0 dios=0\n", want: io(4096, 8192, 1)},
		{name: "two devices summed", in: "8:0 rbytes=1 wbytes=2 rios=1 wios=1 dbytes=0 dios=0\n259:0 rbytes=10 wbytes=20 rios=1 wios=1 dbytes=0 dios=0\n",
			want: io(11, 22, 2)},
		{name: "io.cost and io.latency keys", in: "253:0 rbytes=5 wbytes=6 rios=1 wios=1 dbytes=0 dios=0 cost.vrate=100.00 cost.usage=3 depth=max avg_lat=0 win=0\n",
			want: io(5, 6, 1)},
		{name: "first rbytes wins", in: "8:0 rbytes=5 wbytes=6 rbytes=7\n", want: io(5, 6, 1)},
		{name: "sum at max", in: "8:0 rbytes=18446744073709551614 wbytes=0\n8:1 rbytes=1 wbytes=0\n", want: io(math.MaxUint64, 0, 2)},
		{name: "sum overflows", in: "8:0 rbytes=18446744073709551615 wbytes=0\n8:1 rbytes=1 wbytes=0\n", wantErr: cgroupfs.ErrOverflow},
		{name: "no wbytes", in: "8:0 rbytes=1 rios=1\n", wantErr: cgroupfs.ErrMalformed},
		{name: "bad device", in: "sda rbytes=1 wbytes=2\n", wantErr: cgroupfs.ErrMalformed},
		{name: "bad minor", in: "8:x rbytes=1 wbytes=2\n", wantErr: cgroupfs.ErrMalformed},
		{name: "field without =", in: "8:0 rbytes=1 wbytes=2 junk\n", wantErr: cgroupfs.ErrMalformed},
		{name: "bad number", in: "8:0 rbytes=1k wbytes=2\n", wantErr: cgroupfs.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := cgroupfs.ParseIOStat([]byte(tt.in))
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParseProcs(t *testing.T) {
	pids, err := cgroupfs.ParseProcs([]byte("1\n42\n32768\n"))
	require.NoError(t, err)
	assert.Equal(t, []int{1, 42, 32768}, pids)
	pids, err = cgroupfs.ParseProcs(nil)
	require.NoError(t, err)
	assert.Empty(t, pids)
	for _, in := range []string{"0\n", "x\n", "-1\n", "4294967296\n", "1 2\n"} {
		_, err := cgroupfs.ParseProcs([]byte(in))
		assert.ErrorIs(t, err, cgroupfs.ErrMalformed, "%q", in)
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

// --- Fuzzing, each parser against an independent statement of its grammar.

// oracleLines splits like the parsers: on '\n', dropping empty lines.
func oracleLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}

// oracleUint is parseUint stated with math/big.
func oracleUint(s string) (uint64, bool) {
	if s == "" || strings.TrimLeft(s, "0123456789") != "" {
		return 0, false
	}
	n, _ := new(big.Int).SetString(s, 10)
	if !n.IsUint64() {
		return 0, false
	}
	return n.Uint64(), true
}

func FuzzParseCPUStat(f *testing.F) {
	for _, machine := range []string{"hybrid", "systemd-v2", "systemd-v2-user"} {
		data, err := fs.ReadFile(runCgroup(f, machine), "cpu.stat")
		require.NoError(f, err)
		f.Add(data)
	}
	f.Add([]byte("usage_usec 1\nuser_usec x\nsystem_usec 1\n"))
	f.Add([]byte("usage_usec 18446744073709551616\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := cgroupfs.ParseCPUStat(data)
		// Oracle: the first "KEY VALUE" line of each key.
		values := map[string]string{}
		for _, l := range oracleLines(string(data)) {
			k, v, ok := strings.Cut(l, " ")
			if _, seen := values[k]; ok && !seen {
				values[k] = v
			}
		}
		var want [3]uint64
		missing, malformed := false, false
		for i, k := range []string{"usage_usec", "user_usec", "system_usec"} {
			v, ok := values[k]
			if !ok {
				missing = true
				continue
			}
			n, ok := oracleUint(v)
			malformed = malformed || !ok
			want[i] = n
		}
		switch {
		case malformed:
			require.ErrorIs(t, err, cgroupfs.ErrMalformed)
		case missing:
			require.ErrorIs(t, err, cgroupfs.ErrMissingKey)
		default:
			require.NoError(t, err)
			require.Equal(t, cgroupfs.CPUStat{UsageUsec: want[0], UserUsec: want[1], SystemUsec: want[2]}, got)
		}
	})
}

func FuzzParseIOStat(f *testing.F) {
	data, err := fs.ReadFile(runCgroup(f, "systemd-v2"), "io.stat")
	require.NoError(f, err)
	f.Add(data)
	f.Add([]byte("8:0 rbytes=18446744073709551615 wbytes=0\n8:1 rbytes=1 wbytes=0\n"))
	f.Add([]byte("253:0 rbytes=5 wbytes=6 cost.vrate=100.00\n\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := cgroupfs.ParseIOStat(data)
		read, written := new(big.Int), new(big.Int)
		devices := 0
		valid := true
		for _, l := range oracleLines(string(data)) {
			fields := strings.Split(l, " ")
			maj, min, ok := strings.Cut(fields[0], ":")
			_, okMaj := oracleUint(maj)
			_, okMin := oracleUint(min)
			if !ok || !okMaj || !okMin {
				valid = false
				break
			}
			kv := map[string]string{}
			for _, fld := range fields[1:] {
				k, v, ok := strings.Cut(fld, "=")
				if !ok {
					valid = false
					break
				}
				if _, seen := kv[k]; !seen {
					kv[k] = v
				}
			}
			r, okR := oracleUint(kv["rbytes"])
			w, okW := oracleUint(kv["wbytes"])
			if !valid || !okR || !okW {
				valid = false
				break
			}
			read.Add(read, new(big.Int).SetUint64(r))
			written.Add(written, new(big.Int).SetUint64(w))
			devices++
		}
		if !valid {
			require.Error(t, err)
			return
		}
		if !read.IsUint64() || !written.IsUint64() {
			// Overflow is reported where it happens; a later malformed
			// line cannot be reached.
			require.ErrorIs(t, err, cgroupfs.ErrOverflow)
			return
		}
		require.NoError(t, err)
		require.Equal(t, cgroupfs.IOStat{ReadBytes: read.Uint64(), WriteBytes: written.Uint64(), Devices: devices}, got)
	})
}

func FuzzParseMountInfo(f *testing.F) {
	for _, machine := range []string{"hybrid", "systemd-v2", "container-v2", "v1-only"} {
		data, err := os.ReadFile(filepath.Join(fixtures, machine, "proc", "self", "mountinfo"))
		require.NoError(f, err)
		f.Add(data)
	}
	f.Add([]byte(`1 2 0:1 /a\040b /m\134 rw,ro x:1 - cgroup2 c rw`))
	f.Fuzz(func(t *testing.T, data []byte) {
		mounts := cgroupfs.ParseMountInfo(data)
		// Every mount comes from a line whose type is cgroup2, and its
		// paths are absolute; no more mounts than such lines.
		candidates := 0
		for _, l := range oracleLines(string(data)) {
			if strings.Contains(l, " - cgroup2 ") {
				candidates++
			}
		}
		require.LessOrEqual(t, len(mounts), candidates)
		for _, m := range mounts {
			require.True(t, strings.HasPrefix(m.Root, "/") && strings.HasPrefix(m.MountPoint, "/"), "%+v", m)
			if dir, ok := cgroupfs.Dir([]cgroupfs.Mount{m}, m.Root); ok {
				require.Equal(t, path.Clean(m.MountPoint), dir)
			}
		}
	})
}

func FuzzParseProcCgroup(f *testing.F) {
	for _, machine := range []string{"hybrid", "systemd-v2", "v1-only"} {
		data, err := os.ReadFile(filepath.Join(fixtures, machine, "proc", "self", "cgroup"))
		require.NoError(f, err)
		f.Add(data)
	}
	f.Add([]byte("0::/x (deleted)\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := cgroupfs.ParseProcCgroup(data)
		var line string
		found := false
		for _, l := range oracleLines(string(data)) {
			if rest, ok := strings.CutPrefix(l, "0::"); ok {
				line, found = rest, true
				break
			}
		}
		switch {
		case !found:
			require.ErrorIs(t, err, cgroupfs.ErrNoV2)
		case strings.HasSuffix(line, " (deleted)"):
			require.ErrorIs(t, err, cgroupfs.ErrDeleted)
		case !strings.HasPrefix(line, "/"):
			require.ErrorIs(t, err, cgroupfs.ErrMalformed)
		default:
			require.NoError(t, err)
			require.Equal(t, line, got)
		}
	})
}

func FuzzParseEventsAndPeak(f *testing.F) {
	f.Add([]byte("populated 1\nfrozen 0\n"))
	f.Add([]byte("73490432\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if ev, err := cgroupfs.ParseEvents(data); err == nil {
			// Populated is the first "populated N" line's N != 0.
			for _, l := range oracleLines(string(data)) {
				if v, ok := strings.CutPrefix(l, "populated "); ok {
					n, ok := oracleUint(v)
					require.True(t, ok)
					require.Equal(t, n != 0, ev.Populated)
					break
				}
			}
		}
		peak, err := cgroupfs.ParseMemoryPeak(data)
		want, ok := oracleUint(strings.TrimSuffix(string(data), "\n"))
		require.Equal(t, ok, err == nil)
		require.Equal(t, want, peak)
		if pids, err := cgroupfs.ParseProcs(data); err == nil {
			for _, pid := range pids {
				require.Positive(t, pid)
				require.LessOrEqual(t, pid, math.MaxInt32)
			}
		}
	})
}
