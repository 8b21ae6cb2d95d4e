package program

import (
	"encoding/binary"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func sampleRequest() Request {
	return Request{Path: "/bin/prog", Dir: "/tmp", Argv: []string{"prog", "", "a b"},
		Env: []string{"A=1", "PATH=/bin"}, Ignored: 1<<(15-1) | 1<<(1-1) | 1<<(2-1)}
}

func TestRequestRoundTrip(t *testing.T) {
	for _, q := range []Request{
		sampleRequest(),
		{Path: "/p", Argv: []string{"p"}, Env: []string{}},
		{Path: "/p", Argv: []string{"a", "b"}, Env: []string{"c", "d"}}, // argc == envc
	} {
		msg, err := q.Encode()
		require.NoError(t, err)
		assert.Equal(t, byte(0), msg[len(msg)-1])
		assert.Equal(t, uint32(len(msg)), binary.LittleEndian.Uint32(msg[4:]))
		back, err := DecodeRequest(msg)
		require.NoError(t, err)
		if len(q.Env) == 0 {
			q.Env = []string{}
		}
		assert.Equal(t, q, *back)
	}
}

// The exact bytes of a small request: the layout the assembly reads.
func TestRequestLayout(t *testing.T) {
	q := Request{Path: "/x", Dir: "/d", Argv: []string{"x"}, Env: []string{"E=1"}, Ignored: 2}
	msg, err := q.Encode()
	require.NoError(t, err)
	le := binary.LittleEndian
	tableEnd := 32 + 8*4
	assert.Equal(t, uint32(RequestMagic), le.Uint32(msg[0:]))
	assert.Equal(t, uint64(2), le.Uint64(msg[8:]))
	assert.Equal(t, []uint32{1, 1}, []uint32{le.Uint32(msg[16:]), le.Uint32(msg[20:])})
	assert.Equal(t, []uint64{uint64(tableEnd), 0, uint64(tableEnd + 2), 0},
		[]uint64{le.Uint64(msg[32:]), le.Uint64(msg[40:]), le.Uint64(msg[48:]), le.Uint64(msg[56:])})
	assert.Equal(t, "x\x00E=1\x00/x\x00/d\x00", string(msg[tableEnd:]))
	assert.Equal(t, uint32(tableEnd+6), le.Uint32(msg[24:]))
	assert.Equal(t, uint32(tableEnd+9), le.Uint32(msg[28:]))
}

func TestRequestRefused(t *testing.T) {
	for name, q := range map[string]Request{
		"no argv":    {Path: "/p"},
		"no path":    {Argv: []string{"p"}},
		"NUL in arg": {Path: "/p", Argv: []string{"p", "a\x00b"}},
		"NUL in env": {Path: "/p", Argv: []string{"p"}, Env: []string{"A=\x00"}},
		"NUL in dir": {Path: "/p", Dir: "/\x00", Argv: []string{"p"}},
		"too large":  {Path: "/p", Argv: []string{"p", string(make([]byte, MaxRequest))}},
	} {
		_, err := q.Encode()
		assert.Error(t, err, name)
	}
}

// Every request cut short, with a byte too many, or with one field bent,
// is refused whole.
func TestRequestMalformed(t *testing.T) {
	for name, b := range malformedRequests(t) {
		_, err := DecodeRequest(b)
		assert.ErrorIs(t, err, ErrBadMessage, name)
	}
}

// malformedRequests returns sampleRequest's message cut short at every
// length, with a byte too many, and with one field bent at a time: the
// messages DecodeRequest, and so the program, must refuse.
func malformedRequests(t testing.TB) map[string][]byte {
	q := sampleRequest()
	msg, err := q.Encode()
	require.NoError(t, err)
	bad := map[string][]byte{}
	for n := 0; n < len(msg); n++ {
		bad[fmt.Sprintf("%d of %d bytes", n, len(msg))] = msg[:n:n]
	}
	bad["a byte too many"] = append(append([]byte(nil), msg...), 0)
	le := binary.LittleEndian
	for name, bend := range map[string]func(b []byte){
		"magic":             func(b []byte) { b[0] ^= 1 },
		"no argv":           func(b []byte) { le.PutUint32(b[16:], 0) },
		"argc past the end": func(b []byte) { le.PutUint32(b[16:], 1<<30) },
		"envc past the end": func(b []byte) { le.PutUint32(b[20:], 0xffffffff) },
		"path in the table": func(b []byte) { le.PutUint32(b[24:], 40) },
		"path past the end": func(b []byte) { le.PutUint32(b[24:], uint32(len(b))) },
		"dir in the header": func(b []byte) { le.PutUint32(b[28:], 4) },
		"arg past the end":  func(b []byte) { le.PutUint64(b[32:], uint64(len(b))) },
		"arg far past":      func(b []byte) { le.PutUint64(b[32:], 1<<40) },
		"no terminator":     func(b []byte) { le.PutUint64(b[32+8*3:], 100) },
		"last byte not NUL": func(b []byte) { b[len(b)-1] = 'x' },
	} {
		b := append([]byte(nil), msg...)
		bend(b)
		bad[name] = b
	}
	return bad
}

func FuzzDecodeRequest(f *testing.F) {
	q := sampleRequest()
	msg, _ := q.Encode()
	f.Add(msg)
	f.Fuzz(func(t *testing.T, b []byte) {
		q, err := DecodeRequest(b)
		if err != nil {
			return
		}
		// What decodes encodes to the same bytes but where the offsets
		// could be laid out otherwise: decode it again to compare.
		again, err := q.Encode()
		if q.Path == "" || errors.Is(err, ErrTooLarge) {
			return // strings shared in b take room of their own in again
		}
		require.NoError(t, err)
		back, err := DecodeRequest(again)
		require.NoError(t, err)
		assert.Equal(t, q, back)
	})
}
