//go:build linux && (amd64 || arm64)

package program

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// BenchmarkSpawnTrue runs /bin/true through the spawner program as a
// caller would (per run: /dev/null for stdin, two pipes for stdout and
// stderr drained to end of file, a run and a side socket, the "started"
// message with its pidfd, the reply with the rusage), and, as "C", the
// same through testdata/spawnloop.c's posix_spawn + pipes + wait4 loop
// (built with cc; skipped without one). Compare their ns/op in the same
// round.
func BenchmarkSpawnTrue(b *testing.B) {
	const prog = "/bin/true"
	if _, err := os.Stat(prog); err != nil {
		b.Skip(err)
	}
	b.Run("program", func(b *testing.B) {
		s := launch(b)
		q := Request{Path: prog, Argv: []string{"true"}}
		msg, err := q.Encode()
		require.NoError(b, err)
		buf := make([]byte, 512)
		oob := make([]byte, unix.CmsgSpace(4))
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			null, err := unix.Open(os.DevNull, unix.O_RDONLY|unix.O_CLOEXEC, 0)
			require.NoError(b, err)
			var out, errp [2]int
			require.NoError(b, unix.Pipe2(out[:], unix.O_CLOEXEC))
			require.NoError(b, unix.Pipe2(errp[:], unix.O_CLOEXEC))
			run, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
			require.NoError(b, err)
			side, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
			require.NoError(b, err)
			require.NoError(b, unix.Sendmsg(s.ctl, msg, unix.UnixRights(null, out[1], errp[1], run[1], side[1]), nil, 0))
			for _, fd := range []int{null, out[1], errp[1], run[1], side[1]} {
				unix.Close(fd)
			}
			n, oobn, _, _, err := unix.Recvmsg(side[0], buf, oob, unix.MSG_CMSG_CLOEXEC)
			require.NoError(b, err)
			require.Equal(b, StartedSize, n)
			msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
			require.NoError(b, err)
			fds, err := unix.ParseUnixRights(&msgs[0])
			require.NoError(b, err)
			drain(b, out[0], errp[0], buf)
			n, _, _, _, err = unix.Recvmsg(run[0], buf, nil, 0)
			require.NoError(b, err)
			p, err := DecodeReply(buf[:n])
			require.NoError(b, err)
			require.True(b, p.Exited && p.Status == 0)
			for _, fd := range []int{out[0], errp[0], run[0], side[0], fds[0]} {
				unix.Close(fd)
			}
		}
	})
	b.Run("C", func(b *testing.B) {
		loop := spawnloop(b)
		b.ResetTimer()
		out, err := exec.Command(loop, strconv.Itoa(b.N), prog).Output()
		b.StopTimer()
		require.NoError(b, err)
		// The loop's own figure, without its start: "BenchmarkCSpawnTrue N x ns/op".
		if f := strings.Fields(string(out)); len(f) >= 3 {
			if ns, err := strconv.ParseFloat(f[2], 64); err == nil {
				b.ReportMetric(ns, "loop-ns/op")
			}
		}
	})
}

// drain reads two pipes to end of file.
func drain(b *testing.B, out, errp int, buf []byte) {
	fds := []unix.PollFd{{Fd: int32(out), Events: unix.POLLIN}, {Fd: int32(errp), Events: unix.POLLIN}}
	for open := 2; open > 0; {
		if _, err := unix.Poll(fds, -1); err == unix.EINTR {
			continue
		} else {
			require.NoError(b, err)
		}
		for i := range fds {
			if fds[i].Fd < 0 || fds[i].Revents == 0 {
				continue
			}
			if n, err := unix.Read(int(fds[i].Fd), buf); n <= 0 && err != unix.EINTR && err != unix.EAGAIN {
				fds[i].Fd = -1
				open--
			}
		}
	}
}

// spawnloop builds testdata/spawnloop.c into b's temporary directory.
func spawnloop(b *testing.B) string {
	cc, err := exec.LookPath("cc")
	if err != nil {
		b.Skip("no C compiler:", err)
	}
	path := filepath.Join(b.TempDir(), "spawnloop")
	out, err := exec.Command(cc, "-O2", "-o", path, filepath.Join("..", "..", "..", "testdata", "spawnloop.c")).CombinedOutput()
	require.NoError(b, err, "%s", out)
	return path
}
