package program

// The wire format between the caller and the spawner program, all of it.
// Every message is one SOCK_SEQPACKET message, little-endian, laid out for
// the assembly to use in place: a request's pointer table becomes execve's
// argv and envp where it lies. The layouts are the same on amd64 and arm64
// (LP64; struct rusage is the generic one on both).
//
//	hello    (program → caller, control socket, once, 16 bytes)
//	  0 u64 HelloMagic
//	  8 u32 the program's pid (after its double fork)
//	 12 u32 MaxRuns
//
//	request  (caller → program, control socket, with exactly RequestFDs
//	          descriptors by SCM_RIGHTS: stdin, stdout, stderr, the run
//	          socket and the side socket)
//	  0 u32 RequestMagic
//	  4 u32 length of the whole message
//	  8 u64 signals to ignore in the child (bit n−1 for signal n)
//	 16 u32 argc (at least 1)
//	 20 u32 envc
//	 24 u32 offset of the program's path
//	 28 u32 offset of the working directory, 0 for none (no chdir)
//	 32 u64 table[argc+1+envc+1]: the offsets of argv[0..argc), a 0, the
//	        offsets of envp[0..envc), a 0; the program replaces each
//	        offset by its address, making argv and envp in place
//	  … NUL-terminated strings; the message's last byte is NUL
//
//	started  (program → caller, side socket, with the child's pidfd by
//	          SCM_RIGHTS, right after a successful spawn, 24 bytes)
//	  0 u32 StartedTag
//	  4 u32 0
//	  8 u64 the child's pid
//	 16 u64 the child's start, CLOCK_MONOTONIC ns, taken just before clone
//
//	kill     (caller → program, run socket): any bytes; end of file on the
//	          run socket means the same. The program kills the child
//	          (pidfd_send_signal) and its process group (kill(-pid)).
//
//	reply    (program → caller, run socket, once, the last message)
//	  exited, ExitedSize bytes:
//	  0 u32 ExitedTag
//	  4 u32 the wait status, as wait4 gives it
//	  8 u64 wall ns: CLOCK_MONOTONIC at the pidfd's wake-up minus the start
//	 16 struct rusage (RusageSize bytes) from wait4
//	  failed, FailedSize bytes (nothing is running; the run socket closes):
//	  0 u32 FailedTag
//	  4 u32 Stage
//	  8 u64 errno (positive)

import (
	"encoding/binary"
	"errors"
	"strings"
	"time"

	"github.com/perfgate/adapters/internal/sysproc"
)

// The tags and sizes of the wire format.
const (
	HelloMagic   = 0x0131_4e57_4150_5347 // the bytes "GSPAWN1" and 0x01
	HelloSize    = 16
	RequestMagic = 0x5152_4750 // "PGRQ"
	StartedTag   = 0x7472_7473 // "strt"
	StartedSize  = 24
	ExitedTag    = 0x5845_4750 // "PGEX"
	FailedTag    = 0x5245_4750 // "PGER"
	RusageSize   = 144
	ExitedSize   = 16 + RusageSize
	FailedSize   = 16
	// RequestFDs is how many descriptors come with a request.
	RequestFDs = 5
	// MaxRequest is the largest request the program takes (its buffer).
	MaxRequest = 128 << 10
	// MaxRuns is how many children the program runs at once; a request
	// beyond them fails at StageBusy.
	MaxRuns = 256
	// headerSize is the request's fixed part, before the pointer table.
	headerSize = 32
	// KillByte asks the program to kill a run's child and group.
	KillByte = 'k'
)

// Stage says which step of a spawn failed.
type Stage uint32

// The stages of a spawn, in order. Only StageChdir and StageExec are the
// program's failures, as a direct start would report them; the others are
// the spawner's own (a fallback for the caller).
const (
	StageRequest     Stage = 1 // malformed request (a caller's bug)
	StageBusy        Stage = 2 // MaxRuns children already run (EAGAIN)
	StageFork        Stage = 3 // pipe2 or clone failed
	StageSetpgid     Stage = 4
	StageDeathSignal Stage = 5 // prctl(PR_SET_PDEATHSIG), or the program died first
	StageDup         Stage = 6
	StageChdir       Stage = 7
	StageRlimit      Stage = 8 // restoring the caller's RLIMIT_NOFILE
	StageExec        Stage = 9
	StagePidfd       Stage = 10 // pidfd_open after a clone without CLONE_PIDFD
)

var stageNames = [...]string{"", "request", "busy", "fork", "setpgid", "death signal", "dup", "chdir", "rlimit", "exec", "pidfd"}

func (s Stage) String() string {
	if int(s) < len(stageNames) && s != 0 {
		return stageNames[s]
	}
	return "stage " + itoa(uint64(s))
}

func itoa(v uint64) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			return string(b[i:])
		}
	}
}

// ErrBadMessage is the error of a message that is short, long or holds an
// impossible value: never a partial decode.
var ErrBadMessage = errors.New("spawner program: malformed message")

// ErrNUL is Request.Encode's error for a string holding a NUL byte, which
// exec cannot take (a direct start fails the same way, with EINVAL).
var ErrNUL = errors.New("spawner program: NUL byte in an argument, the environment, the path or the directory")

// ErrTooLarge is Request.Encode's error for a request over MaxRequest.
var ErrTooLarge = errors.New("spawner program: request over MaxRequest")

// Request is one run as the program takes it.
type Request struct {
	// Path is the program to execute; Dir the directory the child
	// starts in, "" for the spawner's own.
	Path, Dir string
	Argv, Env []string
	// Ignored is the set of signals the child starts with ignored (bit
	// n−1 for signal n); every other signal is at its default.
	Ignored uint64
}

// Encode returns q as the program reads it. Argv must hold at least one
// string.
func (q *Request) Encode() ([]byte, error) {
	if len(q.Argv) == 0 || q.Path == "" {
		return nil, ErrBadMessage
	}
	size := headerSize + 8*(len(q.Argv)+len(q.Env)+2) + len(q.Path) + 1
	if q.Dir != "" {
		size += len(q.Dir) + 1
	}
	for _, list := range [][]string{q.Argv, q.Env} {
		for _, s := range list {
			size += len(s) + 1
		}
	}
	if size > MaxRequest {
		return nil, ErrTooLarge
	}
	b := make([]byte, headerSize, size)
	le := binary.LittleEndian
	le.PutUint32(b[0:], RequestMagic)
	le.PutUint32(b[4:], uint32(size))
	le.PutUint64(b[8:], q.Ignored)
	le.PutUint32(b[16:], uint32(len(q.Argv)))
	le.PutUint32(b[20:], uint32(len(q.Env)))
	b = b[:headerSize+8*(len(q.Argv)+len(q.Env)+2)]
	next := headerSize
	put := func(s string) (uint32, bool) {
		if strings.IndexByte(s, 0) >= 0 {
			return 0, false
		}
		off := uint32(len(b))
		b = append(b, s...)
		b = append(b, 0)
		return off, true
	}
	ok := true
	for _, list := range [][]string{q.Argv, q.Env} {
		for _, s := range list {
			off, good := put(s)
			ok = ok && good
			le.PutUint64(b[next:], uint64(off))
			next += 8
		}
		next += 8 // the terminating 0, already zero
	}
	off, good := put(q.Path)
	ok = ok && good
	le.PutUint32(b[24:], off)
	if q.Dir != "" {
		off, good = put(q.Dir)
		ok = ok && good
		le.PutUint32(b[28:], off)
	}
	if !ok {
		return nil, ErrNUL
	}
	return b, nil
}

// DecodeRequest reads a request as the program does, with exactly its
// checks: the assembly accepts a message if and only if this does. A
// message it takes cannot make the program read outside it: every offset
// points past the table and inside the message, whose last byte is NUL,
// so every string ends inside it.
func DecodeRequest(b []byte) (*Request, error) {
	n := uint64(len(b))
	le := binary.LittleEndian
	if n < headerSize || n > MaxRequest || le.Uint32(b[0:]) != RequestMagic ||
		uint64(le.Uint32(b[4:])) != n || b[n-1] != 0 {
		return nil, ErrBadMessage
	}
	argc, envc := uint64(le.Uint32(b[16:])), uint64(le.Uint32(b[20:]))
	tableEnd := headerSize + 8*(argc+envc+2)
	if argc == 0 || tableEnd > n {
		return nil, ErrBadMessage
	}
	str := func(off uint64) (string, bool) {
		if off < tableEnd || off >= n {
			return "", false
		}
		end := off
		for b[end] != 0 {
			end++
		}
		return string(b[off:end]), true
	}
	q := &Request{Ignored: le.Uint64(b[8:])}
	var ok bool
	if q.Path, ok = str(uint64(le.Uint32(b[24:]))); !ok {
		return nil, ErrBadMessage
	}
	if dir := uint64(le.Uint32(b[28:])); dir != 0 {
		if q.Dir, ok = str(dir); !ok {
			return nil, ErrBadMessage
		}
	}
	entry := uint64(headerSize)
	for which, count := range []uint64{argc, envc} {
		list := make([]string, count)
		for i := range list {
			if list[i], ok = str(le.Uint64(b[entry:])); !ok {
				return nil, ErrBadMessage
			}
			entry += 8
		}
		if le.Uint64(b[entry:]) != 0 {
			return nil, ErrBadMessage
		}
		entry += 8
		if which == 0 {
			q.Argv = list
		} else {
			q.Env = list
		}
	}
	return q, nil
}

// Hello is the program's first message.
type Hello struct {
	Pid     int
	MaxRuns int
}

// DecodeHello reads the hello.
func DecodeHello(b []byte) (Hello, error) {
	le := binary.LittleEndian
	if len(b) != HelloSize || le.Uint64(b) != HelloMagic {
		return Hello{}, ErrBadMessage
	}
	h := Hello{Pid: int(le.Uint32(b[8:])), MaxRuns: int(le.Uint32(b[12:]))}
	if h.Pid <= 0 || h.MaxRuns <= 0 {
		return Hello{}, ErrBadMessage
	}
	return h, nil
}

// Started is the "started" message: the child's pid and its start on
// CLOCK_MONOTONIC.
type Started struct {
	Pid     int
	StartNs int64
}

// DecodeStarted reads a "started" message.
func DecodeStarted(b []byte) (Started, error) {
	le := binary.LittleEndian
	if len(b) != StartedSize || le.Uint32(b) != StartedTag || le.Uint32(b[4:]) != 0 {
		return Started{}, ErrBadMessage
	}
	s := Started{Pid: int(le.Uint64(b[8:])), StartNs: int64(le.Uint64(b[16:]))}
	if s.Pid <= 0 || s.Pid > 1<<22 || s.StartNs <= 0 {
		return Started{}, ErrBadMessage
	}
	return s, nil
}

// Reply is the last message of a run: how the child ended, or at which
// stage its start failed.
type Reply struct {
	// Exited says the child ran and was reaped: Status, Wall and Usage
	// are set. Otherwise Stage and Errno say why it did not run.
	Exited bool
	Status uint32
	Wall   time.Duration
	Usage  sysproc.Usage
	Stage  Stage
	Errno  uint64
}

// DecodeReply reads a reply.
func DecodeReply(b []byte) (Reply, error) {
	le := binary.LittleEndian
	switch {
	case len(b) == ExitedSize && le.Uint32(b) == ExitedTag:
		wall := le.Uint64(b[8:])
		if wall > 1<<62 {
			return Reply{}, ErrBadMessage
		}
		return Reply{Exited: true, Status: le.Uint32(b[4:]), Wall: time.Duration(wall), Usage: decodeRusage(b[16:])}, nil
	case len(b) == FailedSize && le.Uint32(b) == FailedTag:
		p := Reply{Stage: Stage(le.Uint32(b[4:])), Errno: le.Uint64(b[8:])}
		if p.Stage == 0 || p.Stage > StagePidfd || p.Errno == 0 || p.Errno > 4095 {
			return Reply{}, ErrBadMessage
		}
		return p, nil
	}
	return Reply{}, ErrBadMessage
}

// decodeRusage reads a struct rusage of 64-bit Linux: two struct timeval
// (seconds, microseconds) and fourteen longs.
func decodeRusage(b []byte) sysproc.Usage {
	le := binary.LittleEndian
	long := func(i int) int64 { return int64(le.Uint64(b[32+8*i:])) }
	tv := func(at int) time.Duration {
		return time.Duration(int64(le.Uint64(b[at:])))*time.Second + time.Duration(int64(le.Uint64(b[at+8:])))*time.Microsecond
	}
	return sysproc.Usage{
		User: tv(0), System: tv(16),
		MaxRSSRaw:   long(0),
		MinorFaults: long(4), MajorFaults: long(5),
		InBlocks: long(7), OutBlocks: long(8),
		Voluntary: long(12), Involuntary: long(13),
	}
}
