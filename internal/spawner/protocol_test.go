package spawner

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/perfgate/adapters/internal/killswitch"
	"github.com/perfgate/adapters/internal/sysproc"
)

func sampleRequest() Request {
	return Request{Path: "/bin/prog", Dir: "/tmp", Argv: []string{"prog", "", "a b"},
		Env: []string{"A=1", "PATH=/bin"}, Timeout: 1500 * time.Millisecond,
		Ignored: 1<<(15-1) | 1<<(1-1) | 1<<(2-1)} // SIGTERM, SIGHUP, SIGINT
}

func sampleReply() reply {
	return reply{errno: 0, wall: 25 * time.Millisecond, status: 9, cause: killswitch.AtDeadline, floorKiB: 3456,
		usage: sysproc.Usage{User: 1200 * time.Microsecond, System: 300 * time.Microsecond, MaxRSSRaw: 8704,
			MinorFaults: 500, MajorFaults: 2, InBlocks: 8, OutBlocks: 16, Voluntary: 3, Involuntary: 4}}
}

func TestRequestRoundTrip(t *testing.T) {
	q := sampleRequest()
	back, err := decodeRequest(q.encode())
	require.NoError(t, err)
	assert.Equal(t, q, *back)

	empty := Request{Argv: []string{}, Env: []string{}}
	back, err = decodeRequest(empty.encode())
	require.NoError(t, err)
	assert.Equal(t, empty, *back)
}

func TestReplyRoundTrip(t *testing.T) {
	p := sampleReply()
	back, err := decodeReply(p.encode())
	require.NoError(t, err)
	assert.Equal(t, p, back)
	assert.Len(t, p.encode(), 8+8+4+4+8+9*8, "every field written, nothing else")
}

// Every message cut short, or with a byte too many, is an error.
func TestMessagesTruncatedOrLongAreErrors(t *testing.T) {
	q, p := sampleRequest(), sampleReply()
	for _, msg := range [][]byte{q.encode(), p.encode()} {
		for n := 0; n <= len(msg); n++ {
			_, errQ := decodeRequest(msg[:n])
			_, errP := decodeReply(msg[:n])
			if n == len(msg) {
				continue
			}
			assert.ErrorIs(t, errQ, errBadMessage, "request of %d of %d bytes", n, len(msg))
			assert.ErrorIs(t, errP, errBadMessage, "reply of %d of %d bytes", n, len(msg))
		}
		_, errQ := decodeRequest(append(msg, 0))
		_, errP := decodeReply(append(msg, 0))
		assert.ErrorIs(t, errQ, errBadMessage)
		assert.ErrorIs(t, errP, errBadMessage)
	}
}

// A request that asks the spawner to ignore a signal it must not (SIGKILL,
// SIGSEGV, ...; SIGCHLD in signals_linux_test.go) or has no Go way to, or
// with a negative timeout, is an error.
func TestRequestImpossibleValues(t *testing.T) {
	for _, sig := range []uint{9, 11, 32, 33} { // the same on every architecture
		q := sampleRequest()
		q.Ignored |= 1 << (sig - 1)
		_, err := decodeRequest(q.encode())
		assert.ErrorIs(t, err, errBadMessage, "signal %d", sig)
	}
	q := sampleRequest()
	q.Ignored = ignorable
	_, err := decodeRequest(q.encode())
	assert.NoError(t, err, "every signal it can ignore")
	q.Timeout = -1
	_, err = decodeRequest(q.encode())
	assert.ErrorIs(t, err, errBadMessage)
}

func TestReplyImpossibleValues(t *testing.T) {
	p := sampleReply()
	p.cause = killswitch.ByContext + 1
	_, err := decodeReply(p.encode())
	assert.ErrorIs(t, err, errBadMessage)
	p = sampleReply()
	p.wall = -1
	_, err = decodeReply(p.encode())
	assert.ErrorIs(t, err, errBadMessage)
}

// A decoded message re-encodes to the same bytes, and every strict prefix
// of a message that decodes is an error.
func FuzzRequestDecode(f *testing.F) {
	q := sampleRequest()
	f.Add(q.encode())
	f.Add([]byte{})
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 255, 255})
	q.Ignored = 1 << (17 - 1) // SIGCHLD
	f.Add(q.encode())
	f.Fuzz(func(t *testing.T, b []byte) {
		checkDecode(t, b, func(b []byte) ([]byte, error) {
			q, err := decodeRequest(b)
			if err != nil {
				return nil, err
			}
			return q.encode(), nil
		})
	})
}

func FuzzReplyDecode(f *testing.F) {
	p := sampleReply()
	f.Add(p.encode())
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		checkDecode(t, b, func(b []byte) ([]byte, error) {
			p, err := decodeReply(b)
			return p.encode(), err
		})
	})
}

// checkDecode checks that b, when reencode (decode, then encode) takes
// it, comes back the same, and that no strict prefix of it decodes.
func checkDecode(t *testing.T, b []byte, reencode func([]byte) ([]byte, error)) {
	again, err := reencode(b)
	if err != nil {
		return
	}
	if string(again) != string(b) {
		t.Fatalf("decode/encode changed the message: %x to %x", b, again)
	}
	for n := 0; n < len(b); n++ {
		if _, err := reencode(b[:n]); err == nil {
			t.Fatalf("a prefix of %d of %d bytes decoded", n, len(b))
		}
	}
}

// The "started" message round-trips, and neither a reply nor a cut or
// impossible one passes for it.
func TestStartedMessage(t *testing.T) {
	msg := encodeStarted(4242, 123456789)
	pid, start, err := decodeStarted(msg)
	require.NoError(t, err)
	assert.Equal(t, 4242, pid)
	assert.Equal(t, int64(123456789), start)
	reply := sampleReply()
	for _, bad := range [][]byte{msg[:len(msg)-1], append(msg, 0), reply.encode(),
		encodeStarted(0, 1), encodeStarted(1<<23, 1), encodeStarted(4242, 0)} {
		_, _, err := decodeStarted(bad)
		assert.ErrorIs(t, err, errBadMessage)
	}
	_, err = decodeReply(msg)
	assert.ErrorIs(t, err, errBadMessage, "nor does it pass for a reply")
}

// The hello round-trips only with the caller's token, and nothing cut,
// longer or with another opening passes for it.
func TestHello(t *testing.T) {
	token := []byte("0123456789abcdef")
	h := hello{token: token, pid: 4242, floorKiB: 3456}
	msg := h.encode()
	assert.Len(t, msg, helloSize)
	back, err := decodeHello(msg, token)
	require.NoError(t, err)
	assert.Equal(t, h, back)
	other := append([]byte(nil), msg...)
	other[0] = 'P'
	for _, bad := range [][]byte{msg[:len(msg)-1], append(msg, 0), other} {
		_, err := decodeHello(bad, token)
		assert.ErrorIs(t, err, errBadHello)
	}
	_, err = decodeHello(msg, []byte("fedcba9876543210"))
	assert.ErrorIs(t, err, errBadHello, "another caller's spawner")
}

// The fallback reasons read as the notes always said.
func TestFallbackWhy(t *testing.T) {
	for want, fb := range map[string]*FallbackError{
		"the spawner could not be started: spawner: no hello": fallback(ReasonCannotStart, "spawner: no hello"),
		"the spawner has died; not restarted: 5 spawners were started in the last 1m0s": fallback(ReasonRestartLimit,
			"the spawner has died"),
		"the caller's umask changed since the spawner started": fallback(ReasonStateChanged, "umask"),
		"the working directory cannot be read: no such file":   fallback(ReasonNoWorkingDir, "no such file"),
		"the request (argv, environment) is over 128 KiB":      fallback(ReasonRequestTooLarge, ""),
		"the spawner has died":                                 errGone,
		"sendmsg: broken pipe":                                 fallback(ReasonHandOver, "sendmsg: broken pipe"),
		"the caller ignores signal 32, which the spawner cannot ignore": fallback(ReasonSignalIgnored,
			"signal 32, which the spawner cannot ignore"),
	} {
		assert.Equal(t, want, fb.Why())
		assert.Equal(t, "spawner unavailable: "+want, fb.Error())
	}
}
