package runloop

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/perfgate/adapters/internal/cgroupfs"
	"github.com/perfgate/adapters/internal/sysproc"
	"github.com/perfgate/adapters/internal/testcap"
)

// Only the errors that say the kernel refused the cgroup are retried
// outside it.
func TestCannotCloneIntoCgroup(t *testing.T) {
	for errno, retried := range map[syscall.Errno]bool{
		unix.ENOSYS: true, unix.EINVAL: true, unix.EBADF: true, unix.EBUSY: true,
		unix.EOPNOTSUPP: true, unix.EPERM: true, unix.EACCES: true,
		unix.EAGAIN: false, unix.E2BIG: false, unix.ENOENT: false, unix.ENOEXEC: false,
		unix.ENOMEM: false, unix.ETXTBSY: false, unix.EISDIR: false,
	} {
		assert.Equal(t, retried, cannotCloneIntoCgroup(errno), "%v", errno)
		wrapped := &os.SyscallError{Syscall: "clone3", Err: errno}
		assert.Equal(t, retried, cannotCloneIntoCgroup(wrapped), "wrapped %v", errno)
	}
	assert.False(t, cannotCloneIntoCgroup(os.ErrNotExist), "not an errno")
}

// An exec that fails by itself (E2BIG: 8 MB of arguments) is the start's
// error: the child is not started again outside its cgroup, which stays
// for the run to remove.
func TestStartProcessE2BIGKeepsTheCgroup(t *testing.T) {
	own := testcap.UsableCgroupV2(t)
	parent, err := os.MkdirTemp(own, "perfgatetest-")
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, unix.Rmdir(parent)) })
	exe, err := os.Executable()
	require.NoError(t, err)
	arg := strings.Repeat("x", 100_000) // below MAX_ARG_STRLEN (128 KiB)
	argv := []string{exe}
	for len(argv) <= 80 {
		argv = append(argv, arg)
	}

	p := &Plan{Path: exe, Argv: argv, Env: os.Environ(), Tree: true, CgroupParent: parent}
	attr := procAttr(p, nil)
	var rec Exit
	cg := prepareRunCgroup(p, &rec, attr)
	require.NotNil(t, cg, "no cgroup: %s", rec.Tree.Unavailable)
	pid, err := startProcess(p, attr, &cg, &rec)
	if err == nil {
		sysproc.KillGroup(pid)
		_, _, _ = sysproc.Reap(pid)
	}
	require.ErrorIs(t, err, syscall.E2BIG)
	require.NotNil(t, cg, "the start was not tried again without the cgroup")
	assert.Equal(t, "", rec.Tree.Unavailable)
	owner, ok := cgroupfs.ParseRunName(filepath.Base(cg.Path()))
	assert.True(t, ok && owner == os.Getpid() && filepath.Dir(cg.Path()) == parent, "run cgroup %s", cg.Path())
	cg.Abandon()
	entries, err := os.ReadDir(parent)
	require.NoError(t, err)
	for _, e := range entries {
		assert.False(t, e.IsDir(), "Abandon removes the cgroup: %s is left", e.Name())
	}
}
