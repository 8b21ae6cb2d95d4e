package procfs

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseStatRSSPages(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "procfs", "self-stat"))
	require.NoError(t, err)
	pages, err := ParseStatRSSPages(data)
	require.NoError(t, err)
	assert.Equal(t, uint64(383), pages)

	// A command name with spaces and parentheses does not shift the fields.
	line := []byte("42 (a) b (c)) S 1 42 42 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 5 1000 777 18446744073709551615\n")
	pages, err = ParseStatRSSPages(line)
	require.NoError(t, err)
	assert.Equal(t, uint64(777), pages)

	for _, bad := range []string{"", "42 (x", "42 (x) S 1 2", "42 (x) S 1 42 42 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 5 1000 -3"} {
		_, err := ParseStatRSSPages([]byte(bad))
		assert.ErrorIs(t, err, ErrMalformedStat, "%q", bad)
	}
}

func FuzzParseStatRSSPages(f *testing.F) {
	f.Add([]byte("1 (init) S 0 1 1 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 5 1000 99"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = ParseStatRSSPages(data)
	})
}
