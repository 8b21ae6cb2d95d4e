package capture

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('a' + i%26)
	}
	return b
}

func TestHeadReadFromBoundaries(t *testing.T) {
	const limit = 100
	for _, tc := range []struct {
		name    string
		limit   int
		written int
		kept    int
	}{
		{"empty", limit, 0, 0},
		{"limit-1", limit, limit - 1, limit - 1},
		{"limit", limit, limit, limit},
		{"limit+1", limit, limit + 1, limit},
		{"far past the limit", limit, 200 << 10, limit},
		{"zero keeps nothing", 0, 500, 0},
		{"negative keeps nothing", -5, 500, 0},
		{"large limit grows in steps", 1 << 20, 150 << 10, 150 << 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := pattern(tc.written)
			// OneByteReader and HalfReader force many short reads, crossing
			// the limit in the middle of one.
			for _, r := range []io.Reader{bytes.NewReader(data), iotest.OneByteReader(bytes.NewReader(data)), iotest.HalfReader(bytes.NewReader(data))} {
				h := NewHead(tc.limit)
				n, err := h.ReadFrom(r)
				require.NoError(t, err)
				assert.Equal(t, int64(tc.written), n)
				assert.Equal(t, uint64(tc.written), h.Total())
				if tc.kept == 0 {
					assert.Nil(t, h.Bytes())
				} else {
					assert.Equal(t, data[:tc.kept], h.Bytes())
				}
				assert.Equal(t, tc.written > tc.kept, h.Truncated())
				assert.LessOrEqual(t, cap(h.buf), max(tc.limit, 0), "memory stays within the limit")
			}
		})
	}
}

func TestHeadWrite(t *testing.T) {
	h := NewHead(5)
	for _, s := range []string{"ab", "cde", "fgh", ""} {
		n, err := h.Write([]byte(s))
		require.NoError(t, err)
		assert.Equal(t, len(s), n)
	}
	assert.Equal(t, "abcde", string(h.Bytes()))
	assert.Equal(t, uint64(8), h.Total())
	assert.True(t, h.Truncated())
}

func TestHeadReadFromReportsErrors(t *testing.T) {
	boom := errors.New("boom")
	h := NewHead(4)
	n, err := h.ReadFrom(io.MultiReader(strings.NewReader("abcdef"), iotest.ErrReader(boom)))
	assert.ErrorIs(t, err, boom)
	assert.Equal(t, int64(6), n)
	assert.Equal(t, "abcd", string(h.Bytes()))
	assert.Equal(t, uint64(6), h.Total())
}

func FuzzHead(f *testing.F) {
	f.Add([]byte("hello, world"), 5, 3)
	f.Add([]byte{}, 0, 1)
	f.Add(pattern(1000), 999, 7)
	f.Fuzz(func(t *testing.T, data []byte, limit int, chunk int) {
		limit %= 1 << 16
		if chunk <= 0 {
			chunk = 1
		}
		h := NewHead(limit)
		r := &chunkReader{data: data, chunk: chunk}
		n, err := h.ReadFrom(r)
		if err != nil || n != int64(len(data)) || h.Total() != uint64(len(data)) {
			t.Fatalf("ReadFrom = %d, %v; total %d; want %d", n, err, h.Total(), len(data))
		}
		kept := min(max(limit, 0), len(data))
		if !bytes.Equal(h.Bytes(), data[:kept]) || h.Truncated() != (len(data) > kept) {
			t.Fatalf("kept %q (truncated %v), want %q", h.Bytes(), h.Truncated(), data[:kept])
		}
	})
}

// chunkReader returns at most chunk bytes per Read.
type chunkReader struct {
	data  []byte
	chunk int
}

func (r *chunkReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), r.chunk)], r.data)
	r.data = r.data[n:]
	return n, nil
}
