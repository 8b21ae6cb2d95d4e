package adapters

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func sampleSpawnRequest() spawnRequest {
	return spawnRequest{path: "/bin/prog", dir: "/tmp", argv: []string{"prog", "", "a b"},
		env: []string{"A=1", "PATH=/bin"}, timeout: 1500 * time.Millisecond}
}

func sampleSpawnReply() spawnReply {
	return spawnReply{errno: 0, wall: 25 * time.Millisecond, status: 9, cause: killedAtDeadline, floorKiB: 3456,
		usage: rusageFigures{user: 1200 * time.Microsecond, system: 300 * time.Microsecond, maxRSSRaw: 8704,
			minorFaults: 500, majorFaults: 2, inBlocks: 8, outBlocks: 16, voluntary: 3, involuntary: 4}}
}

func TestSpawnRequestRoundTrip(t *testing.T) {
	q := sampleSpawnRequest()
	back, err := decodeSpawnRequest(q.encode())
	require.NoError(t, err)
	assert.Equal(t, q, *back)

	empty := spawnRequest{argv: []string{}, env: []string{}}
	back, err = decodeSpawnRequest(empty.encode())
	require.NoError(t, err)
	assert.Equal(t, empty, *back)
}

func TestSpawnReplyRoundTrip(t *testing.T) {
	p := sampleSpawnReply()
	back, err := decodeSpawnReply(p.encode())
	require.NoError(t, err)
	assert.Equal(t, p, back)
	assert.Len(t, p.encode(), 8+8+4+4+8+9*8, "every field written, nothing else")
}

// Every message cut short, or with a byte too many, is an error.
func TestSpawnMessagesTruncatedOrLongAreErrors(t *testing.T) {
	q, p := sampleSpawnRequest(), sampleSpawnReply()
	for _, msg := range [][]byte{q.encode(), p.encode()} {
		for n := 0; n <= len(msg); n++ {
			_, errQ := decodeSpawnRequest(msg[:n])
			_, errP := decodeSpawnReply(msg[:n])
			if n == len(msg) {
				continue
			}
			assert.ErrorIs(t, errQ, errBadMessage, "request of %d of %d bytes", n, len(msg))
			assert.ErrorIs(t, errP, errBadMessage, "reply of %d of %d bytes", n, len(msg))
		}
		_, errQ := decodeSpawnRequest(append(msg, 0))
		_, errP := decodeSpawnReply(append(msg, 0))
		assert.ErrorIs(t, errQ, errBadMessage)
		assert.ErrorIs(t, errP, errBadMessage)
	}
}

func TestSpawnReplyImpossibleValues(t *testing.T) {
	p := sampleSpawnReply()
	p.cause = killedByContext + 1
	_, err := decodeSpawnReply(p.encode())
	assert.ErrorIs(t, err, errBadMessage)
	p = sampleSpawnReply()
	p.wall = -1
	_, err = decodeSpawnReply(p.encode())
	assert.ErrorIs(t, err, errBadMessage)
}

// A decoded message re-encodes to the same bytes, and every strict prefix
// of a message that decodes is an error.
func FuzzSpawnRequestDecode(f *testing.F) {
	q := sampleSpawnRequest()
	f.Add(q.encode())
	f.Add([]byte{})
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 255, 255})
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := decodeSpawnRequest(b)
		if err != nil {
			return
		}
		if again := got.encode(); string(again) != string(b) {
			t.Fatalf("decode/encode changed the message: %x to %x", b, again)
		}
		for n := 0; n < len(b); n++ {
			if _, err := decodeSpawnRequest(b[:n]); err == nil {
				t.Fatalf("a prefix of %d of %d bytes decoded", n, len(b))
			}
		}
	})
}

func FuzzSpawnReplyDecode(f *testing.F) {
	p := sampleSpawnReply()
	f.Add(p.encode())
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := decodeSpawnReply(b)
		if err != nil {
			return
		}
		if again := got.encode(); string(again) != string(b) {
			t.Fatalf("decode/encode changed the message: %x to %x", b, again)
		}
		for n := 0; n < len(b); n++ {
			if _, err := decodeSpawnReply(b[:n]); err == nil {
				t.Fatalf("a prefix of %d of %d bytes decoded", n, len(b))
			}
		}
	})
}

// The "started" message round-trips, and neither a reply nor a cut or
// impossible one passes for it.
func TestSpawnStartedMessage(t *testing.T) {
	msg := encodeSpawnStarted(4242)
	pid, err := decodeSpawnStarted(msg)
	require.NoError(t, err)
	assert.Equal(t, 4242, pid)
	reply := sampleSpawnReply()
	for _, bad := range [][]byte{msg[:len(msg)-1], append(msg, 0), reply.encode(),
		encodeSpawnStarted(0), encodeSpawnStarted(1 << 23)} {
		_, err := decodeSpawnStarted(bad)
		assert.ErrorIs(t, err, errBadMessage)
	}
	_, err = decodeSpawnReply(msg)
	assert.ErrorIs(t, err, errBadMessage, "nor does it pass for a reply")
}
