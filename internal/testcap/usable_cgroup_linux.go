package testcap

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"
)

// UsableCgroupV2 returns this process's cgroup v2 directory where a test
// can make cgroups in it, found without the code under test; elsewhere it
// skips the test, a failure where SkipUnlessCapable says so.
func UsableCgroupV2(t testing.TB) string {
	t.Helper()
	own, missing := OwnCgroupV2()
	if missing == "" {
		probe := filepath.Join(own.Dir, "perfgate_probe-"+strconv.Itoa(os.Getpid()))
		if err := unix.Mkdir(probe, 0o755); err != nil {
			missing = "cannot make a cgroup in " + own.Dir + ": " + err.Error()
		} else {
			_ = unix.Rmdir(probe)
		}
	}
	SkipUnlessCapable(t, "cgroup-tree", missing)
	return own.Dir
}
