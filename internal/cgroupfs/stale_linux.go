package cgroupfs

// Stale run cgroups. A caller killed mid-run (SIGKILL, an OOM kill, a
// power cut of its container) never reaches finish: the run's cgroup and
// whatever still runs in it stay. Nobody else knows them for ours, so the
// next process that uses tree scope under the same parent cleans them up,
// once per parent and before its first run's clock starts.

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/perfgate/adapters/internal/procfs"
	"golang.org/x/sys/unix"
)

// staleSwept holds the parents (cleaned paths) this process has swept.
// The lock is held during a sweep, so that no run starts under a parent
// until its stale cgroups are gone, and that two first runs do not sweep
// twice. Only a sweep that could list the parent is remembered.
var staleSwept struct {
	mu      sync.Mutex
	parents sync.Map // string -> struct{}
}

// sweepStaleOnce removes the stale run cgroups of parent the first time
// this process uses it. Later calls cost one map lookup.
func sweepStaleOnce(parent string, paths RunPaths) {
	key := filepath.Clean(parent)
	if _, done := staleSwept.parents.Load(key); done {
		return
	}
	staleSwept.mu.Lock()
	defer staleSwept.mu.Unlock()
	if _, done := staleSwept.parents.Load(key); done {
		return // swept by a run that held the lock before us
	}
	if _, err := sweepStaleRunCgroups(key, paths); err == nil {
		staleSwept.parents.Store(key, struct{}{})
	}
}

// sweepStaleRunCgroups kills, drains and removes every cgroup directly
// under parent whose name is a run's (perfgate-PID-SEQ) and whose owner
// PID is gone, and returns the paths it removed. All are killed first and
// then waited for against one deadline, so that several stale cgroups
// cost one drain and not one each. A cgroup that cannot be opened,
// emptied or removed (processes stuck in uninterruptible sleep, another
// user's) is left for the next process; only a parent that cannot be
// listed is an error.
func sweepStaleRunCgroups(parent string, paths RunPaths) ([]string, error) {
	names, err := staleRunCgroupNames(parent, ownerGone)
	if err != nil {
		return nil, err
	}
	var stale []*Run
	for _, name := range names {
		if c, err := openCgroup(parent+"/"+name, paths); err == nil {
			c.Kill()
			stale = append(stale, c)
		}
	}
	deadline := time.Now().Add(cgroupDrainTimeout)
	var removed []string
	for _, c := range stale {
		c.waitEvents(func(ev Events) bool { return !ev.Populated }, time.Until(deadline))
		path := c.path
		if err := c.Remove(); err == nil || errors.Is(err, fs.ErrNotExist) {
			// ENOENT: another process swept it first.
			removed = append(removed, path)
		}
	}
	return removed, nil
}

// staleRunCgroupNames lists the subdirectories of parent named as a run's
// cgroup whose owner gone says has ended.
func staleRunCgroupNames(parent string, gone func(pid int) bool) ([]string, error) {
	entries, err := os.ReadDir(parent)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		if pid, ok := ParseRunName(e.Name()); ok && gone(pid) {
			names = append(names, e.Name())
		}
	}
	return names, nil
}

// ownerGone reports whether no process pid exists: kill(pid, 0) finds no
// such process and /proc has no entry for it. Anything else (the process
// exists but is another user's, is a zombie, /proc hides it) counts as
// alive: a pid reused by an unrelated process only delays the cleanup of
// its namesake's cgroup, while killing a live owner's run would be wrong.
func ownerGone(pid int) bool {
	if pid == os.Getpid() {
		return false // our own runs, live by definition
	}
	if err := unix.Kill(pid, 0); err != unix.ESRCH {
		return false
	}
	// A zombie still has its /proc entry: its pid is not free yet.
	_, err := procfs.ReadFile(procfs.DefaultRoot, strconv.Itoa(pid), "stat")
	return errors.Is(err, fs.ErrNotExist)
}
