package procfs

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCountCPUList(t *testing.T) {
	good := map[string]int{
		"":               0,
		"\n":             0,
		"0\n":            1,
		"0-1\n":          2,
		"0-3,8,10-11\n":  7,
		"0-63":           64,
		"5":              1,
		"0-0,2-2":        2,
		"0-4095\n":       4096,
		"1,3,5,7,9,11\n": 6,
	}
	for in, want := range good {
		got, err := CountCPUList([]byte(in))
		require.NoError(t, err, "%q", in)
		assert.Equal(t, want, got, "%q", in)
	}
	for _, in := range []string{"x", "0-", "-1", "3-1", "0,,1", "0-1\n\n", " 0", "0 ", "1-2-3",
		"0-99999999999", "18446744073709551616"} {
		_, err := CountCPUList([]byte(in))
		assert.ErrorIs(t, err, ErrMalformedCPUList, "%q", in)
	}
}

func TestOnlineCPUs(t *testing.T) {
	path := filepath.Join(t.TempDir(), "online")
	require.NoError(t, os.WriteFile(path, []byte("0-1,4\n"), 0o644))
	n, err := OnlineCPUs(path)
	require.NoError(t, err)
	assert.Equal(t, 3, n)
	_, err = OnlineCPUs(filepath.Join(t.TempDir(), "missing"))
	assert.ErrorIs(t, err, os.ErrNotExist)
}

func FuzzCountCPUList(f *testing.F) {
	for _, seed := range []string{"0-3,8\n", "", "1-0", "0-4294967295"} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		n, err := CountCPUList(data)
		if err == nil && n < 0 {
			t.Fatalf("negative count %d for %q", n, data)
		}
	})
}
