package cgroupfs_test

import (
	"io/fs"
	"math"
	"math/big"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/perfgate/adapters/internal/cgroupfs"
)

// Each parser is fuzzed against an independent statement of its grammar.

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
			require.True(t, strings.HasPrefix(m.Root, "/") && strings.HasPrefix(m.Point, "/"), "%+v", m)
			if dir, ok := cgroupfs.Dir([]cgroupfs.Mount{m}, m.Root); ok {
				require.Equal(t, path.Clean(m.Point), dir)
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
