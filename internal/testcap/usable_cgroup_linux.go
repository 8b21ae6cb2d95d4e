package testcap

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

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

// TestCgroup makes an empty cgroup under parent for one test, so that the
// test's first use of it is this process's first, and removes it after
// the test. Cgroups the test left in it are an error of the test: they
// are reported, what runs in them killed, and they are removed too. Its
// name is not a run's.
func TestCgroup(t testing.TB, parent string) string {
	t.Helper()
	dir, err := os.MkdirTemp(parent, "perfgatetest-")
	if err != nil {
		t.Fatalf("test cgroup: %v", err)
	}
	t.Cleanup(func() {
		if left := Subcgroups(t, dir); len(left) > 0 {
			t.Errorf("cgroups left in the test's cgroup %s: %v", dir, left)
			for _, sub := range left {
				killAndRemove(filepath.Join(dir, sub))
			}
		}
		if err := unix.Rmdir(dir); err != nil {
			t.Errorf("remove the test's cgroup: %v", err)
		}
	})
	return dir
}

// Subcgroups lists the names of the cgroups directly under dir, sorted.
func Subcgroups(t testing.TB, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("list cgroup %s: %v", dir, err)
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() {
			names = append(names, e.Name())
		}
	}
	return names
}

// killAndRemove kills what runs in the cgroup dir (cgroup.kill, Linux
// 5.14), waits for it to empty and removes it and its own cgroups, deepest
// first: the cleanup of a test that failed, for the library's own removal
// is what is under test.
func killAndRemove(dir string) {
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.IsDir() {
			killAndRemove(filepath.Join(dir, e.Name()))
		}
	}
	_ = os.WriteFile(filepath.Join(dir, "cgroup.kill"), []byte("1"), 0)
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); {
		events, err := os.ReadFile(filepath.Join(dir, "cgroup.events"))
		if err != nil || strings.Contains(string(events), "populated 0") {
			break
		}
		time.Sleep(10 * time.Millisecond) // a failed test's cleanup: nothing to signal on
	}
	_ = unix.Rmdir(dir)
}
