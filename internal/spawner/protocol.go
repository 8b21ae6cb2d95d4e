package spawner

// The protocol between the caller and its spawner (docs/spawner.md, "Wire
// protocol"), all of it: the environment that makes a program a spawner,
// the hello, the request, the "started" message, the kill requests and the
// reply. Each message is one SOCK_SEQPACKET message of fields in a fixed
// order, little-endian; every field is written explicitly, so a message
// means the same whatever the Go struct layouts. It compiles on every OS
// so that it is tested everywhere.
//
// The sockets: the control socket (caller to spawner, for the whole life
// of the spawner) carries the hello and the requests, each request with
// five descriptors (SCM_RIGHTS): the child's stdin, stdout and stderr, and
// the spawner's ends of two fresh socket pairs, the run socket and the
// side socket. The run socket carries the kill requests (caller to
// spawner) and the reply (spawner to caller); the side socket carries the
// "started" message, with the child's pidfd attached.

import (
	"time"

	"github.com/perfgate/adapters/internal/killswitch"
	"github.com/perfgate/adapters/internal/sysproc"
)

const (
	// EnvKey puts the executable in spawner mode; its value is
	// "launch:TOKEN" (start the spawner, then exit) or "serve:TOKEN"
	// (serve), TOKEN being tokenLen random bytes in lower-case hex that
	// the spawner echoes in its hello.
	EnvKey = "PERFGATE_ADAPTERS_SPAWNER"
	// controlFD is the control socket's descriptor in the launcher and
	// the spawner.
	controlFD = 3
	tokenLen  = 16
	// readyText opens the hello.
	readyText = "perfgate-spawner-ready"
	// maxRequest bounds an encoded request; a larger run spawns directly.
	maxRequest = 128 << 10
	// requestFDs is how many descriptors come with a request.
	requestFDs = 5
	// The kill requests, one byte on the run socket: the context is done,
	// or the caller's own deadline came first (only when the spawner is
	// late).
	killRequest     = 'k'
	deadlineRequest = 't'
	// startedTag opens the "started" message ("strt").
	startedTag = 0x74727473
)

// Request is one run as the spawner needs it.
type Request struct {
	// Path is the program, absolute; Dir the directory the child starts
	// in (absolute on the wire: Run resolves it against the caller's).
	Path, Dir string
	Argv, Env []string
	Timeout   time.Duration
	// Ignored is the set of signals the caller ignores (SigIgn: bit n−1
	// for signal n), which the spawner ignores for the child; it holds
	// only signals of ignorable.
	Ignored uint64
}

// reply is the spawner's answer for one run.
type reply struct {
	// errno is the start error; 0 when the child ran.
	errno  int64
	wall   time.Duration
	status uint32 // the wait status, as wait4 gives it
	cause  killswitch.Cause
	// floorKiB is the spawner's peak.Reading.FloorKiB when the child has
	// exited: the most of the child's peak that it can have inherited.
	floorKiB uint64
	usage    sysproc.Usage
}

func (q *Request) encode() []byte {
	size := 8 + 8 + 4 + len(q.Path) + 4 + len(q.Dir) + 4 + 4
	for _, list := range [][]string{q.Argv, q.Env} {
		for _, s := range list {
			size += 4 + len(s)
		}
	}
	w := wireWriter{b: make([]byte, 0, size)}
	w.u64(uint64(q.Timeout))
	w.u64(q.Ignored)
	w.str(q.Path)
	w.str(q.Dir)
	w.strs(q.Argv)
	w.strs(q.Env)
	return w.b
}

func decodeRequest(b []byte) (*Request, error) {
	r := wireReader{b: b}
	q := &Request{Timeout: time.Duration(r.u64()), Ignored: r.u64()}
	q.Path, q.Dir = r.str(), r.str()
	q.Argv, q.Env = r.strs(), r.strs()
	if err := r.finish(); err != nil {
		return nil, err
	}
	if q.Timeout < 0 || q.Ignored&^ignorable != 0 {
		return nil, errBadMessage
	}
	return q, nil
}

// replySize is the size of an encoded reply.
const replySize = 8 + 8 + 4 + 4 + 8 + 9*8

func (p *reply) encode() []byte {
	w := wireWriter{b: make([]byte, 0, replySize)}
	w.u64(uint64(p.errno))
	w.u64(uint64(p.wall))
	w.u32(p.status)
	w.u32(uint32(p.cause))
	w.u64(p.floorKiB)
	u := &p.usage
	for _, v := range []int64{int64(u.User), int64(u.System), u.MaxRSSRaw, u.MinorFaults, u.MajorFaults,
		u.InBlocks, u.OutBlocks, u.Voluntary, u.Involuntary} {
		w.u64(uint64(v))
	}
	return w.b
}

func decodeReply(b []byte) (reply, error) {
	r := wireReader{b: b}
	var p reply
	p.errno = int64(r.u64())
	p.wall = time.Duration(r.u64())
	p.status = r.u32()
	p.cause = killswitch.Cause(r.u32())
	p.floorKiB = r.u64()
	u := &p.usage
	u.User, u.System = time.Duration(r.u64()), time.Duration(r.u64())
	for _, v := range []*int64{&u.MaxRSSRaw, &u.MinorFaults, &u.MajorFaults, &u.InBlocks, &u.OutBlocks,
		&u.Voluntary, &u.Involuntary} {
		*v = int64(r.u64())
	}
	if err := r.finish(); err != nil {
		return reply{}, err
	}
	if p.cause > killswitch.ByContext || p.cause < killswitch.NotKilled || p.wall < 0 {
		return reply{}, errBadMessage
	}
	return p, nil
}

// encodeStarted is the "started" message for the child pid, which the
// spawner sends on the side socket right after the spawn, with the child's
// pidfd attached: with it the caller can kill the run itself. startNs is
// the child's start (just before its spawn, where its wall time and its
// deadline start) on CLOCK_MONOTONIC, which the caller reads too: the
// caller's own deadline is measured from it.
func encodeStarted(pid int, startNs int64) []byte {
	var w wireWriter
	w.u32(startedTag)
	w.u64(uint64(pid))
	w.u64(uint64(startNs))
	return w.b
}

// decodeStarted returns the child's pid and start (CLOCK_MONOTONIC
// nanoseconds) from a "started" message; an error means b is something
// else (a reply).
func decodeStarted(b []byte) (pid int, startNs int64, err error) {
	r := wireReader{b: b}
	tag, p, start := r.u32(), r.u64(), int64(r.u64())
	if err := r.finish(); err != nil {
		return 0, 0, err
	}
	if tag != startedTag || p == 0 || p > 1<<22 || start <= 0 {
		return 0, 0, errBadMessage
	}
	return int(p), start, nil
}

// hello is what the spawner says on the control socket when it is ready:
// the proof that it is the spawner the caller started (its token), its
// pid and its VmHWM.
type hello struct {
	token    []byte
	pid      int
	floorKiB uint64
}

// helloSize is the size of an encoded hello.
const helloSize = len(readyText) + tokenLen + 8 + 8

func (h *hello) encode() []byte {
	b := make([]byte, 0, helloSize)
	b = append(b, readyText...)
	b = append(b, h.token...)
	w := wireWriter{b: b}
	w.u64(uint64(h.pid))
	w.u64(h.floorKiB)
	return w.b
}

// decodeHello reads a hello that must echo token.
func decodeHello(b, token []byte) (hello, error) {
	r := wireReader{b: b}
	ready, echoed := r.take(len(readyText)), r.take(tokenLen)
	h := hello{token: echoed, pid: int(r.u64()), floorKiB: r.u64()}
	if err := r.finish(); err != nil || string(ready) != readyText || string(echoed) != string(token) {
		return hello{}, errBadHello
	}
	return h, nil
}
