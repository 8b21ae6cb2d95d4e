package cgroupfs_test

import (
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/perfgate/adapters/internal/cgroupfs"
)

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
