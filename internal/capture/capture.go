// Package capture is a child's standard streams: the one place they are
// built (the null device, a caller's file or a pipe fed from a caller's
// reader for stdin; pipes, the caller's own or the null device for stdout
// and stderr), the reading of the output pipes by goroutines where the run
// loop blocks in a wait, and Head, which keeps a bounded head of a stream
// while draining all of it.
package capture

import (
	"errors"
	"io"
	"sync"
)

// scratchSize is the size of the buffer that reads past the cap are
// discarded into. 64 KiB is the default Linux pipe capacity, so one read
// empties a full pipe.
const scratchSize = 64 << 10

// initialSize bounds the first allocation of the kept head, so that a large
// cap costs memory only when the output really is that large.
const initialSize = 64 << 10

var scratchPool = sync.Pool{New: func() any { b := make([]byte, scratchSize); return &b }}

// Head keeps the first Limit bytes written to it and counts all of them.
// Its memory use is O(Limit) whatever is written. It is not safe for
// concurrent use.
type Head struct {
	limit int
	buf   []byte
	total uint64
}

// NewHead returns a Head that keeps at most limit bytes; limit <= 0 keeps
// nothing but still counts.
func NewHead(limit int) *Head {
	if limit < 0 {
		limit = 0
	}
	return &Head{limit: limit}
}

// Write keeps what fits under the limit and counts all of p. It never fails.
func (h *Head) Write(p []byte) (int, error) {
	h.total += uint64(len(p))
	if room := h.limit - len(h.buf); room > 0 {
		h.buf = append(h.buf, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

// ReadFrom reads r to its end, keeping the head and discarding the rest.
// It returns the number of bytes read and the first error other than
// io.EOF.
func (h *Head) ReadFrom(r io.Reader) (int64, error) {
	var n int64
	for {
		m, err := h.ReadOnce(r)
		n += int64(m)
		if err != nil {
			if errors.Is(err, io.EOF) {
				return n, nil
			}
			return n, err
		}
	}
}

// ReadOnce makes one Read call on r and keeps what fits under the limit.
// Bytes under the limit are read straight into the kept buffer; the rest
// goes through a pooled scratch buffer and is only counted. It returns
// what Read returned.
func (h *Head) ReadOnce(r io.Reader) (int, error) {
	if room := h.limit - len(h.buf); room > 0 {
		if cap(h.buf) == len(h.buf) {
			h.grow()
		}
		m, err := r.Read(h.buf[len(h.buf):cap(h.buf)])
		if m > 0 {
			h.buf = h.buf[:len(h.buf)+m]
			h.total += uint64(m)
		}
		return m, err
	}
	scratch := scratchPool.Get().(*[]byte)
	defer scratchPool.Put(scratch)
	m, err := r.Read(*scratch)
	if m > 0 {
		h.total += uint64(m)
	}
	return m, err
}

// grow makes room for at least one more byte, doubling up to the limit.
func (h *Head) grow() {
	size := max(2*cap(h.buf), min(initialSize, h.limit))
	size = min(size, h.limit)
	grown := make([]byte, len(h.buf), size)
	copy(grown, h.buf)
	h.buf = grown
}

// Bytes returns the kept head, nil when nothing was kept.
func (h *Head) Bytes() []byte {
	if len(h.buf) == 0 {
		return nil
	}
	return h.buf
}

// Total returns the number of bytes written or read, kept or not.
func (h *Head) Total() uint64 { return h.total }

// Truncated reports whether more was written than kept.
func (h *Head) Truncated() bool { return h.total > uint64(len(h.buf)) }
