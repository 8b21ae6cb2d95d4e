package procfs_test

import (
	"bytes"
	"io/fs"
	"math"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/perfgate/adapters/internal/procfs"
	"github.com/perfgate/adapters/internal/testcap"
)

// fixtures is the module's testdata/procfs: one directory per machine,
// each laid out like /proc.
var fixtures = filepath.Join("..", "..", "testdata", "procfs")

func TestMemTotalBytesFixtures(t *testing.T) {
	tests := []struct {
		root    string
		want    uint64
		wantErr error
	}{
		// 16318412 kB * 1024.
		{root: "linux-meminfo", want: 16710053888},
		{root: "malformed-meminfo", wantErr: procfs.ErrMalformedMemTotal},
		{root: "no-memtotal", wantErr: procfs.ErrNoMemTotal},
		{root: "overflow-meminfo", wantErr: procfs.ErrMemTotalOverflow},
		{root: "no-such-machine", wantErr: fs.ErrNotExist},
	}
	for _, tt := range tests {
		t.Run(tt.root, func(t *testing.T) {
			got, err := procfs.MemTotalBytes(filepath.Join(fixtures, tt.root))
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				// The error names the file, so a user knows where to look.
				assert.Contains(t, err.Error(), filepath.Join(tt.root, "meminfo"))
				assert.Zero(t, got)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParseMemTotal(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    uint64
		wantErr error
	}{
		{name: "kernel layout", in: "MemTotal:       16318412 kB\n", want: 16318412 * 1024},
		{name: "no trailing newline", in: "MemTotal: 1 kB", want: 1024},
		{name: "not first line", in: "MemFree: 5 kB\nMemTotal: 7 kB\n", want: 7 * 1024},
		{name: "first MemTotal wins", in: "MemTotal: 2 kB\nMemTotal: 3 kB\n", want: 2048},
		{name: "tabs and trailing blanks", in: "MemTotal:\t42\tkB \t\n", want: 42 * 1024},
		{name: "no blank after colon", in: "MemTotal:9 kB\n", want: 9 * 1024},
		{name: "leading zeros", in: "MemTotal: 007 kB\n", want: 7 * 1024},
		{name: "zero", in: "MemTotal: 0 kB\n", want: 0},
		// The largest value whose byte count fits: (2^64-1)/1024 rounded down.
		{name: "largest", in: "MemTotal: 18014398509481983 kB\n", want: 18014398509481983 * 1024},
		{name: "one past largest", in: "MemTotal: 18014398509481984 kB\n", wantErr: procfs.ErrMemTotalOverflow},
		{name: "beyond uint64 kB", in: "MemTotal: 99999999999999999999999 kB\n", wantErr: procfs.ErrMemTotalOverflow},
		{name: "empty", in: "", wantErr: procfs.ErrNoMemTotal},
		{name: "indented key", in: " MemTotal: 1 kB\n", wantErr: procfs.ErrNoMemTotal},
		{name: "lower case key", in: "memtotal: 1 kB\n", wantErr: procfs.ErrNoMemTotal},
		{name: "no number", in: "MemTotal: kB\n", wantErr: procfs.ErrMalformedMemTotal},
		{name: "no unit", in: "MemTotal: 12\n", wantErr: procfs.ErrMalformedMemTotal},
		{name: "unit glued to number", in: "MemTotal: 12kB\n", wantErr: procfs.ErrMalformedMemTotal},
		{name: "other unit", in: "MemTotal: 12 MB\n", wantErr: procfs.ErrMalformedMemTotal},
		{name: "negative", in: "MemTotal: -12 kB\n", wantErr: procfs.ErrMalformedMemTotal},
		{name: "plus sign", in: "MemTotal: +12 kB\n", wantErr: procfs.ErrMalformedMemTotal},
		{name: "carriage return", in: "MemTotal: 12 kB\r\n", wantErr: procfs.ErrMalformedMemTotal},
		{name: "trailing word", in: "MemTotal: 12 kB total\n", wantErr: procfs.ErrMalformedMemTotal},
		{name: "malformed first wins", in: "MemTotal: x kB\nMemTotal: 3 kB\n", wantErr: procfs.ErrMalformedMemTotal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := procfs.ParseMemTotal([]byte(tt.in))
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				assert.Zero(t, got)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

// TestMemTotalBytesHost reads the real /proc on Linux, where the file must
// parse; the value is cross-checked in the root package's host tests.
func TestMemTotalBytesHost(t *testing.T) {
	if runtime.GOOS != "linux" && runtime.GOOS != "android" {
		t.Skipf("no /proc/meminfo on %s", runtime.GOOS)
	}
	if _, err := os.Stat(filepath.Join(procfs.DefaultRoot, "meminfo")); err != nil {
		testcap.SkipUnlessCapable(t, "procfs", err.Error())
	}
	got, err := procfs.MemTotalBytes(procfs.DefaultRoot)
	require.NoError(t, err)
	assert.NotZero(t, got)
	assert.Zero(t, got%1024, "MemTotal is a whole number of KiB")
}

// memTotalLine is an independent statement of the grammar ParseMemTotal
// documents, applied to the first line starting with "MemTotal:".
var memTotalLine = regexp.MustCompile(`^MemTotal:[ \t]*([0-9]+)[ \t]+kB[ \t]*$`)

// oracleMemTotal returns N*1024 as a big.Int for the first MemTotal line,
// or nil when there is no such line or it does not match the grammar.
func oracleMemTotal(data []byte) (value *big.Int, found bool) {
	for _, line := range bytes.Split(data, []byte("\n")) {
		if !bytes.HasPrefix(line, []byte("MemTotal:")) {
			continue
		}
		m := memTotalLine.FindSubmatch(line)
		if m == nil {
			return nil, true
		}
		n, ok := new(big.Int).SetString(string(m[1]), 10)
		if !ok {
			panic("regexp let through a non-number")
		}
		return n.Mul(n, big.NewInt(1024)), true
	}
	return nil, false
}

func FuzzParseMemTotal(f *testing.F) {
	for _, dir := range []string{"linux-meminfo", "malformed-meminfo", "no-memtotal", "overflow-meminfo"} {
		data, err := os.ReadFile(filepath.Join(fixtures, dir, "meminfo"))
		require.NoError(f, err)
		f.Add(data)
	}
	for _, seed := range []string{
		"", "MemTotal:", "MemTotal: 1 kB", "MemTotal:\t0\tkB\t", "MemTotal: 18014398509481983 kB",
		"MemTotal: 18014398509481984 kB", "MemTotal: 12kB", "x\nMemTotal: 5 kB\nMemTotal: 6 kB",
	} {
		f.Add([]byte(seed))
	}
	maxUint64 := new(big.Int).SetUint64(^uint64(0))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := procfs.ParseMemTotal(data)
		want, found := oracleMemTotal(data)
		switch {
		case !found:
			require.ErrorIs(t, err, procfs.ErrNoMemTotal)
		case want == nil:
			require.ErrorIs(t, err, procfs.ErrMalformedMemTotal)
		case want.Cmp(maxUint64) > 0:
			require.ErrorIs(t, err, procfs.ErrMemTotalOverflow)
		default:
			require.NoError(t, err)
			require.Equal(t, want.Uint64(), got)
		}
		if err != nil {
			require.Zero(t, got)
		}
	})
}

func TestPeakRSSKiB(t *testing.T) {
	kib, err := procfs.PeakRSSKiB("../../testdata/procfs/self-status", "self")
	require.NoError(t, err)
	assert.Equal(t, uint64(2100), kib)

	_, err = procfs.ParseVmHWM([]byte("Name:\tkthreadd\nState:\tS\n"))
	assert.ErrorIs(t, err, procfs.ErrNoVmHWM)
	_, err = procfs.ParseVmHWM([]byte("VmHWM:\t12 MB\n"))
	assert.Error(t, err)
	got, err := procfs.ParseVmHWM([]byte("VmPeak:\t 9 kB\nVmHWM:\t    5 kB\nVmRSS:\t 4 kB\n"))
	require.NoError(t, err)
	assert.Equal(t, uint64(5), got)
}

func FuzzParseVmHWM(f *testing.F) {
	f.Add([]byte("VmHWM:\t    2100 kB\n"))
	f.Add([]byte("VmHWM: 18446744073709551615 kB"))
	f.Fuzz(func(t *testing.T, data []byte) {
		kib, err := procfs.ParseVmHWM(data)
		if err == nil && kib > math.MaxUint64/1024 {
			t.Fatalf("%d KiB does not fit in bytes", kib)
		}
	})
}
