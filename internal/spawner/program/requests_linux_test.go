//go:build linux && (amd64 || arm64)

package program

import (
	"encoding/binary"
	"math/rand/v2"
	"os/exec"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

func Test64Concurrent(t *testing.T) {
	s := launch(t)
	null := nullFD(t)
	in, inW := pipeFDs(t)
	var runs []*testRun
	for i := 0; i < 64; i++ {
		r := s.send(helperRequest(t, "stdio"), in, null, null)
		runs = append(runs, r)
	}
	for _, r := range runs {
		require.True(t, r.waitStarted())
	}
	closeFD(inW) // all 64 run at once until now
	seen := map[int]bool{}
	for _, r := range runs {
		p := r.reply()
		require.True(t, p.Exited)
		assert.Equal(t, 0, unix.WaitStatus(p.Status).ExitStatus())
		seen[r.started.Pid] = true
	}
	assert.Len(t, seen, 64)
}

// Every malformed request gets StageRequest, EINVAL and the program goes
// on serving.
func TestMalformedRequests(t *testing.T) {
	s := launch(t)
	null := nullFD(t)
	for name, msg := range malformedRequests(t) {
		r := s.sendRaw(msg, null, null, null)
		assert.Equal(t, Reply{Stage: StageRequest, Errno: uint64(unix.EINVAL)}, r.reply(), name)
		assert.False(t, r.waitStarted(), name)
	}
	r := s.send(helperRequest(t, "exit", "5"), null, null, null)
	require.True(t, r.waitStarted())
	assert.Equal(t, 5, unix.WaitStatus(r.reply().Status).ExitStatus())
}

// A request with 0, 4 or 6 descriptors is dropped, every descriptor
// received closed, and the program goes on serving.
func TestWrongDescriptorCount(t *testing.T) {
	s := launch(t)
	if emulated(t, s.hello.Pid) {
		t.Skip("the spawner's /proc figures are the emulator's")
	}
	null := nullFD(t)
	fds := countFDs(t, s.hello.Pid)
	q := helperRequest(t, "exit", "0")
	msg, err := q.Encode()
	require.NoError(t, err)
	for _, n := range []int{0, 4, 6} {
		run, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
		require.NoError(t, err)
		var rights []byte
		if n > 0 {
			list := []int{run[1]}
			for len(list) < n {
				list = append(list, null)
			}
			rights = unix.UnixRights(list...)
		}
		require.NoError(t, unix.Sendmsg(s.ctl, msg, rights, nil, 0))
		unix.Close(run[1])
		if n > 0 {
			// The program closed its copy of our socket: end of file.
			b := make([]byte, 64)
			got, _, _, _, err := unix.Recvmsg(run[0], b, nil, 0)
			require.NoError(t, err)
			assert.Equal(t, 0, got, "%d descriptors", n)
		}
		unix.Close(run[0])
	}
	r := s.send(helperRequest(t, "exit", "4"), null, null, null)
	require.True(t, r.waitStarted())
	assert.Equal(t, 4, unix.WaitStatus(r.reply().Status).ExitStatus())
	assert.Equal(t, fds, countFDs(t, s.hello.Pid))
}

// MaxRuns children at once, and the next request fails at StageBusy.
func TestBusy(t *testing.T) {
	cat, err := exec.LookPath("cat")
	if err != nil {
		t.Skip("no cat")
	}
	s := launch(t)
	null := nullFD(t)
	in, inW := pipeFDs(t)
	var runs []*testRun
	for i := 0; i < MaxRuns; i++ {
		runs = append(runs, s.send(Request{Path: cat, Argv: []string{"cat"}}, in, null, null))
	}
	for _, r := range runs {
		require.True(t, r.waitStarted())
	}
	r := s.send(Request{Path: cat, Argv: []string{"cat"}}, in, null, null)
	assert.Equal(t, Reply{Stage: StageBusy, Errno: uint64(unix.EAGAIN)}, r.reply())
	assert.False(t, r.waitStarted())
	closeFD(inW)
	for _, r := range runs {
		p := r.reply()
		require.True(t, p.Exited)
		assert.Equal(t, uint32(0), p.Status)
	}
	r = s.send(helperRequest(t, "exit", "2"), null, null, null)
	require.True(t, r.waitStarted())
	assert.Equal(t, 2, unix.WaitStatus(r.reply().Status).ExitStatus())
}

// The program takes a message if and only if DecodeRequest does: random
// bends of sampleRequest's header and table (never its strings, so an
// accepted bend names no program that exists: exec or chdir fails) get
// StageRequest exactly when DecodeRequest refuses them.
func TestRequestChecksAsDecodeRequest(t *testing.T) {
	s := launch(t)
	null := nullFD(t)
	q := sampleRequest()
	msg, err := q.Encode()
	require.NoError(t, err)
	tableEnd := 32 + 8*(len(q.Argv)+len(q.Env)+2)
	le := binary.LittleEndian
	rng := rand.New(rand.NewPCG(18, 18))
	accepted := 0
	for i := 0; i < 2000; i++ {
		b := append([]byte(nil), msg...)
		for n := 1 + rng.IntN(2); n > 0; n-- {
			switch at := rng.IntN(tableEnd); rng.IntN(3) {
			case 0: // a byte
				b[at] = byte(rng.Uint32())
			case 1: // an offset field, near the strings
				if field := []int{24, 28, 32 + 8*rng.IntN(tableEnd/8-4)}[rng.IntN(3)]; field < 32 {
					le.PutUint32(b[field:], uint32(tableEnd-2+rng.IntN(len(b)-tableEnd+4)))
				} else {
					le.PutUint64(b[field:], uint64(tableEnd-2+rng.IntN(len(b)-tableEnd+4)))
				}
			case 2: // a count
				le.PutUint32(b[16+4*rng.IntN(2):], uint32(rng.IntN(8)))
			}
		}
		_, decodeErr := DecodeRequest(b)
		r := s.sendRaw(b, null, null, null)
		started := r.waitStarted()
		p := r.reply()
		require.False(t, started, "bend %d ran something: % x", i, b)
		if decodeErr != nil {
			require.Equal(t, Reply{Stage: StageRequest, Errno: uint64(unix.EINVAL)}, p, "bend %d: % x", i, b)
		} else {
			accepted++
			require.Contains(t, []Stage{StageChdir, StageExec}, p.Stage, "bend %d: % x", i, b)
		}
		closeFD(r.run)
		closeFD(r.side)
	}
	t.Logf("%d of 2000 bends accepted", accepted)
	assert.Greater(t, accepted, 100)
}
