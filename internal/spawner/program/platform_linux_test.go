//go:build linux && (amd64 || arm64)

package program

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// The spawner's own peak is small and does not grow over 1000 runs, and
// it leaks no descriptor.
func TestFootprint(t *testing.T) {
	s := launch(t)
	if emulated(t, s.hello.Pid) {
		t.Skip("the spawner's /proc figures are the emulator's")
	}
	null := nullFD(t)
	hello := procStatus(t, s.hello.Pid, "VmHWM")
	once := func() {
		r := s.send(Request{Path: "/bin/true", Argv: []string{"true"}}, null, null, null)
		require.True(t, r.waitStarted())
		p := r.reply()
		require.True(t, p.Exited)
		require.Equal(t, uint32(0), p.Status)
		closeFD(r.run)
		closeFD(r.side)
		closeFD(r.pidfd)
	}
	once()
	first, fds := procStatus(t, s.hello.Pid, "VmHWM"), countFDs(t, s.hello.Pid)
	for i := 1; i < 1000; i++ {
		once()
	}
	last := procStatus(t, s.hello.Pid, "VmHWM")
	t.Logf("spawner VmHWM: after the hello %s, after 1 run %s, after 1000 runs %s", hello, first, last)
	assert.Equal(t, first, last)
	kb, err := strconv.Atoi(strings.TrimSuffix(last, " kB"))
	require.NoError(t, err)
	assert.LessOrEqual(t, kb, 64)
	assert.Equal(t, fds, countFDs(t, s.hello.Pid))
}

// Without CLONE_PIDFD (as under qemu-user, here asked for by an argument)
// the program opens the pidfd after the exec: the same messages.
func TestWithoutClonePidfd(t *testing.T) {
	s := launch(t, "perfgate-spawn", "no-clone-pidfd")
	null := nullFD(t)
	r := s.send(helperRequest(t, "exit", "7"), null, null, null)
	require.True(t, r.waitStarted())
	fdinfo, err := os.ReadFile(fmt.Sprintf("/proc/self/fdinfo/%d", r.pidfd))
	require.NoError(t, err)
	assert.Contains(t, string(fdinfo), fmt.Sprintf("Pid:\t%d\n", r.started.Pid))
	assert.Equal(t, 7, unix.WaitStatus(r.reply().Status).ExitStatus())

	r = s.send(Request{Path: "/nonexistent/prog", Argv: []string{"prog"}}, null, null, null)
	assert.False(t, r.waitStarted())
	assert.Equal(t, Reply{Stage: StageExec, Errno: uint64(unix.ENOENT)}, r.reply())

	in, inW := pipeFDs(t)
	_ = inW
	r = s.send(helperRequest(t, "block"), in, null, null)
	require.True(t, r.waitStarted())
	_, err = unix.Write(r.run, []byte{KillByte})
	require.NoError(t, err)
	assert.Equal(t, unix.SIGKILL, unix.WaitStatus(r.reply().Status).Signal())
}

// Each place Open tries gives a read-only descriptor the program runs from.
func TestOpenPlaces(t *testing.T) {
	img, err := Image()
	require.NoError(t, err)
	f, err := openMemfd(img)
	require.NoError(t, err)
	defer f.Close()
	seals, err := unix.FcntlInt(f.Fd(), unix.F_GET_SEALS, 0)
	require.NoError(t, err)
	assert.Equal(t, unix.F_SEAL_SEAL|unix.F_SEAL_SHRINK|unix.F_SEAL_GROW|unix.F_SEAL_WRITE, seals)
	require.NoError(t, trial(f))

	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	dirs := tmpDirs()
	assert.Equal(t, os.Getenv("XDG_RUNTIME_DIR"), dirs[0])
	assert.Contains(t, dirs, "/dev/shm")
	for _, dir := range dirs {
		f, err := openTmpfile(dir, img)
		if errors.Is(err, unix.EOPNOTSUPP) || errors.Is(err, unix.EISDIR) {
			t.Logf("%s: no O_TMPFILE: %v", dir, err)
			continue
		}
		require.NoError(t, err, dir)
		flags, err := unix.FcntlInt(f.Fd(), unix.F_GETFL, 0)
		require.NoError(t, err)
		assert.Equal(t, unix.O_RDONLY, flags&unix.O_ACCMODE, dir)
		var st unix.Stat_t
		require.NoError(t, unix.Fstat(int(f.Fd()), &st))
		assert.Equal(t, uint32(0o500), st.Mode&0o777, dir)
		assert.Equal(t, int64(len(img)), st.Size, dir)
		err = trial(f)
		var st2 unix.Statfs_t
		if unix.Statfs(dir, &st2) == nil && st2.Flags&unix.ST_NOEXEC != 0 {
			assert.Error(t, err, "%s is mounted noexec", dir)
		} else {
			assert.NoError(t, err, dir)
		}
		f.Close()
	}

	f, err = Open()
	require.NoError(t, err)
	defer f.Close()
	assert.True(t, strings.HasPrefix(ExecPath(f), "/proc/self/fd/"))
}
