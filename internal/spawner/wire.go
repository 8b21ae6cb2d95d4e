package spawner

import (
	"encoding/binary"
	"errors"
)

// errBadMessage is the error of a message that is short, long or holds an
// impossible value: never a partial decode.
var errBadMessage = errors.New("spawner: malformed message")

// wireWriter appends fields, little-endian.
type wireWriter struct{ b []byte }

func (w *wireWriter) u32(v uint32) { w.b = binary.LittleEndian.AppendUint32(w.b, v) }
func (w *wireWriter) u64(v uint64) { w.b = binary.LittleEndian.AppendUint64(w.b, v) }

func (w *wireWriter) str(s string) {
	w.u32(uint32(len(s)))
	w.b = append(w.b, s...)
}

func (w *wireWriter) strs(list []string) {
	w.u32(uint32(len(list)))
	for _, s := range list {
		w.str(s)
	}
}

// wireReader reads fields; the first shortfall marks it bad, and every
// later read returns a zero value.
type wireReader struct {
	b   []byte
	bad bool
}

func (r *wireReader) take(n int) []byte {
	if r.bad || n < 0 || n > len(r.b) {
		r.bad = true
		return nil
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}

func (r *wireReader) u32() uint32 {
	if v := r.take(4); v != nil {
		return binary.LittleEndian.Uint32(v)
	}
	return 0
}

func (r *wireReader) u64() uint64 {
	if v := r.take(8); v != nil {
		return binary.LittleEndian.Uint64(v)
	}
	return 0
}

func (r *wireReader) str() string { return string(r.take(int(r.u32()))) }

func (r *wireReader) strs() []string {
	n := int(r.u32())
	// Each string takes at least its 4-byte length: a count beyond that
	// is a lie, not a reason to allocate.
	if r.bad || n > len(r.b)/4 {
		r.bad = true
		return nil
	}
	list := make([]string, n)
	for i := range list {
		list[i] = r.str()
	}
	return list
}

// finish reports a message that was short or had bytes left over.
func (r *wireReader) finish() error {
	if r.bad || len(r.b) != 0 {
		return errBadMessage
	}
	return nil
}
