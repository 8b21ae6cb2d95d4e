package adapters

// The spawner's wire format (see docs/spawner.md): one request per run
// from the caller, one reply per run from the spawner, each a single
// SOCK_SEQPACKET message of fields in a fixed order, little-endian. Every
// field is written explicitly, so a message means the same whatever the
// Go struct layouts; a message that is short, long or holds an impossible
// value is an error, never a partial decode. It compiles on every OS so
// that it is tested everywhere.

import (
	"encoding/binary"
	"errors"
	"time"
)

// maxSpawnRequest bounds an encoded request; a larger run spawns directly.
const maxSpawnRequest = 128 << 10

// spawnRequest is one run as the spawner needs it.
type spawnRequest struct {
	path, dir string
	argv, env []string
	timeout   time.Duration
}

// spawnReply is the spawner's answer for one run.
type spawnReply struct {
	// errno is the start error; 0 when the child ran.
	errno  int64
	wall   time.Duration
	status uint32 // the wait status, as wait4 gives it
	cause  killCause
	// floorKiB is the spawner's VmHWM just after the spawn: the most of
	// the child's peak that it can have inherited.
	floorKiB uint64
	usage    rusageFigures
}

var errBadMessage = errors.New("spawner: malformed message")

func (q *spawnRequest) encode() []byte {
	size := 8 + 4 + len(q.path) + 4 + len(q.dir) + 4 + 4
	for _, list := range [][]string{q.argv, q.env} {
		for _, s := range list {
			size += 4 + len(s)
		}
	}
	w := wireWriter{b: make([]byte, 0, size)}
	w.u64(uint64(q.timeout))
	w.str(q.path)
	w.str(q.dir)
	w.strs(q.argv)
	w.strs(q.env)
	return w.b
}

func decodeSpawnRequest(b []byte) (*spawnRequest, error) {
	r := wireReader{b: b}
	q := &spawnRequest{timeout: time.Duration(r.u64())}
	q.path, q.dir = r.str(), r.str()
	q.argv, q.env = r.strs(), r.strs()
	if err := r.finish(); err != nil {
		return nil, err
	}
	if q.timeout < 0 {
		return nil, errBadMessage
	}
	return q, nil
}

// spawnReplySize is the size of an encoded spawnReply.
const spawnReplySize = 8 + 8 + 4 + 4 + 8 + 9*8

func (p *spawnReply) encode() []byte {
	w := wireWriter{b: make([]byte, 0, spawnReplySize)}
	w.u64(uint64(p.errno))
	w.u64(uint64(p.wall))
	w.u32(p.status)
	w.u32(uint32(p.cause))
	w.u64(p.floorKiB)
	u := &p.usage
	for _, v := range []int64{int64(u.user), int64(u.system), u.maxRSSRaw, u.minorFaults, u.majorFaults,
		u.inBlocks, u.outBlocks, u.voluntary, u.involuntary} {
		w.u64(uint64(v))
	}
	return w.b
}

func decodeSpawnReply(b []byte) (spawnReply, error) {
	r := wireReader{b: b}
	var p spawnReply
	p.errno = int64(r.u64())
	p.wall = time.Duration(r.u64())
	p.status = r.u32()
	p.cause = killCause(r.u32())
	p.floorKiB = r.u64()
	u := &p.usage
	u.user, u.system = time.Duration(r.u64()), time.Duration(r.u64())
	for _, v := range []*int64{&u.maxRSSRaw, &u.minorFaults, &u.majorFaults, &u.inBlocks, &u.outBlocks,
		&u.voluntary, &u.involuntary} {
		*v = int64(r.u64())
	}
	if err := r.finish(); err != nil {
		return spawnReply{}, err
	}
	if p.cause > killedByContext || p.wall < 0 {
		return spawnReply{}, errBadMessage
	}
	return p, nil
}

// wireWriter appends fields.
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

// spawnStartedTag opens the "started" message, which the spawner sends on
// the run socket right after the spawn, with the child's pidfd attached
// (SCM_RIGHTS): the caller then holds the run's deadline itself.
const spawnStartedTag = 0x74727473 // "strt"

// encodeSpawnStarted is the "started" message for the child pid.
func encodeSpawnStarted(pid int) []byte {
	var w wireWriter
	w.u32(spawnStartedTag)
	w.u64(uint64(pid))
	return w.b
}

// decodeSpawnStarted returns the child's pid from a "started" message; an
// error means b is something else (a reply).
func decodeSpawnStarted(b []byte) (int, error) {
	r := wireReader{b: b}
	tag, pid := r.u32(), r.u64()
	if err := r.finish(); err != nil {
		return 0, err
	}
	if tag != spawnStartedTag || pid == 0 || pid > 1<<22 {
		return 0, errBadMessage
	}
	return int(pid), nil
}
