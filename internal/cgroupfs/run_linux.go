package cgroupfs

import (
	"errors"
	"io/fs"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"github.com/perfgate/adapters/internal/sysproc"
)

// Run is the cgroup v2 of one run in tree scope. It is created
// before the child is started (outside the timed region), the child is
// cloned straight into it (CLONE_INTO_CGROUP), and after the run it is
// killed, drained, read and removed.
type Run struct {
	path  string
	paths RunPaths
	// dir is the cgroup's directory, open: the clone target and the base
	// of every file access (openat).
	dir int
	// events is cgroup.events, open for the populated and frozen keys and
	// for poll(POLLPRI), which wakes when they change.
	events int
}

// cgroupDrainTimeout bounds the wait for a killed cgroup to become empty
// (a process in uninterruptible sleep dies only when it wakes). Past it
// the cgroup is left in place and the figures say so.
const cgroupDrainTimeout = 2 * time.Second

// runCgroupSeq numbers the cgroups this process creates:
// perfgate-PID-SEQ is unique among concurrent runs and processes.
var runSeq atomic.Uint64

// callerCgroup caches the caller's own cgroup v2 directory once found; a
// failure to find it is not remembered.
var callerCgroup struct {
	mu  sync.Mutex
	dir string
}

func callerCgroupDir() (string, error) {
	callerCgroup.mu.Lock()
	defer callerCgroup.mu.Unlock()
	if callerCgroup.dir == "" {
		loc, err := Locate(DefaultProcRoot)
		if err != nil {
			return "", err
		}
		callerCgroup.dir = loc.Dir
	}
	return callerCgroup.dir, nil
}

// OpenRun creates the cgroup of one run under parent (empty: the
// caller's own cgroup). The error says why there is none; the run then
// goes on in process scope. The first call for a parent also removes the
// cgroups that runs of dead processes left there (stale_linux.go):
// like the rest, before the clock starts.
func OpenRun(parent string, paths RunPaths) (*Run, error) {
	if parent == "" {
		var err error
		if parent, err = callerCgroupDir(); err != nil {
			return nil, err
		}
	}
	var st unix.Statfs_t
	if err := unix.Statfs(parent, &st); err != nil {
		return nil, &fs.PathError{Op: "statfs", Path: parent, Err: err}
	}
	if st.Type != CGroup2SuperMagic {
		return nil, errors.New(parent + " is not a cgroup v2 directory")
	}
	sweepStaleOnce(parent, paths)
	pid := os.Getpid()
	for attempt := 0; ; attempt++ {
		path := parent + "/" + RunName(pid, runSeq.Add(1))
		err := unix.Mkdir(path, 0o755)
		if err == unix.EEXIST && attempt < 3 {
			continue // left by an earlier process with our pid
		}
		if err != nil {
			return nil, &fs.PathError{Op: "mkdir", Path: path, Err: err}
		}
		c, err := openCgroup(path, paths)
		if err != nil {
			_ = removeCgroupTree(path)
			return nil, err
		}
		return c, nil
	}
}

// openCgroup opens the cgroup directory path and its cgroup.events.
func openCgroup(path string, paths RunPaths) (*Run, error) {
	c := &Run{path: path, paths: paths, dir: -1, events: -1}
	var err error
	if c.dir, err = unix.Open(path, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0); err != nil {
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	if c.events, err = unix.Openat(c.dir, "cgroup.events", unix.O_RDONLY|unix.O_CLOEXEC, 0); err != nil {
		unix.Close(c.dir)
		return nil, &fs.PathError{Op: "open", Path: path + "/cgroup.events", Err: err}
	}
	return c, nil
}

// CloneFD is the descriptor the child is cloned into.
func (c *Run) CloneFD() int {
	if c.paths.CloneIntoCgroupFails {
		if null, err := sysproc.DevNull(); err == nil {
			return null // not a cgroup: clone3 fails with EBADF
		}
	}
	return c.dir
}

// readEvents reads cgroup.events from the start.
func (c *Run) readEvents() (Events, error) {
	var buf [128]byte
	n, err := sysproc.IgnoringEINTRIO(func() (int, error) { return unix.Pread(c.events, buf[:], 0) })
	if err != nil {
		return Events{}, err
	}
	return ParseEvents(buf[:n])
}

// KillIfPopulated kills what is left in the cgroup once the child has
// exited: one read when nothing is (the exited child is no longer counted).
// A nil c (no cgroup) has nothing to kill.
func (c *Run) KillIfPopulated() {
	if c == nil {
		return
	}
	if ev, err := c.readEvents(); err == nil && !ev.Populated {
		return
	}
	c.Kill()
}

// Kill sends SIGKILL to every process in the cgroup and its descendants,
// including those forked meanwhile: cgroup.kill (Linux 5.14) does it in
// the kernel; older kernels freeze the cgroup first.
func (c *Run) Kill() {
	if c == nil {
		return
	}
	if !c.paths.FreezeKill {
		if err := c.writeFile("cgroup.kill", "1"); err == nil || !errors.Is(err, fs.ErrNotExist) {
			return
		}
	}
	c.freezeAndKill()
}

// freezeAndKill kills the cgroup's processes where there is no
// cgroup.kill: frozen, they cannot fork or exit, so the list of
// cgroup.procs read then is complete and its pids cannot be reused before
// the kill; SIGKILL reaches frozen processes. Without a freezer (before
// Linux 5.2) the list is read and killed until the cgroup is empty.
func (c *Run) freezeAndKill() {
	frozen := c.writeFile("cgroup.freeze", "1") == nil
	if frozen {
		c.waitEvents(func(ev Events) bool { return ev.Frozen || !ev.Populated }, cgroupDrainTimeout)
	}
	for round := 0; round < 100; round++ {
		if c.killProcs(c.dir) == 0 || frozen {
			break
		}
		time.Sleep(time.Millisecond)
	}
	if frozen {
		_ = c.writeFile("cgroup.freeze", "0")
	}
}

// killProcs sends SIGKILL to the processes of the cgroup open as dir and
// of its descendant cgroups, and returns how many it found.
func (c *Run) killProcs(dir int) int {
	found := 0
	if data, err := readAt(dir, "cgroup.procs"); err == nil {
		if pids, err := ParseProcs(data); err == nil {
			for _, pid := range pids {
				_ = unix.Kill(pid, unix.SIGKILL)
			}
			found += len(pids)
		}
	}
	for _, sub := range subdirs(dir) {
		if fd, err := unix.Openat(dir, sub, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0); err == nil {
			found += c.killProcs(fd)
			unix.Close(fd)
		}
	}
	return found
}

// waitEvents waits until cgroup.events satisfies done, at most timeout;
// it reports whether it did. poll(POLLPRI) on the file wakes when a key
// changes (kernfs_notify); nothing is polled on a timer.
func (c *Run) waitEvents(done func(Events) bool, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for {
		ev, err := c.readEvents()
		if err != nil {
			return false
		}
		if done(ev) {
			return true
		}
		fds := []unix.PollFd{{Fd: int32(c.events), Events: unix.POLLPRI}}
		if n, err := sysproc.PpollUntil(fds, deadline); err != nil {
			return false
		} else if n == 0 {
			ev, err := c.readEvents()
			return err == nil && done(ev)
		}
	}
}

// Path is the cgroup's directory.
func (c *Run) Path() string { return c.path }

// Finish ends the run's cgroup: kills what is left, waits for it to be
// empty, reads the figures and removes it.
func (c *Run) Finish() *Reading {
	t := &Reading{}
	if ev, err := c.readEvents(); err != nil || ev.Populated {
		c.Kill()
		if !c.waitEvents(func(ev Events) bool { return !ev.Populated }, cgroupDrainTimeout) {
			t.Leftover = "processes survived SIGKILL for " + cgroupDrainTimeout.String() + "; cgroup " + c.path + " left in place"
		}
	}
	t.Stats = ReadStats(cgroupDirFS(c.dir))
	if err := c.Remove(); err != nil && t.Leftover == "" {
		t.Leftover = "cgroup " + c.path + " left in place: " + err.Error()
	}
	return t
}

// Abandon kills, drains and removes the cgroup of a run that failed; a nil
// c (no cgroup) has nothing to do.
func (c *Run) Abandon() {
	if c != nil {
		c.Kill()
		c.Finish()
	}
}

// Remove closes the cgroup's descriptors and removes it, with the
// cgroups the run created inside it. It fails while processes are left.
func (c *Run) Remove() error {
	if c.events >= 0 {
		unix.Close(c.events)
		c.events = -1
	}
	if c.dir >= 0 {
		unix.Close(c.dir)
		c.dir = -1
	}
	return removeCgroupTree(c.path)
}

// removeCgroupTree removes the cgroup directory path and its descendant
// cgroups, deepest first. A cgroup directory holds only kernel files,
// which rmdir does not mind.
func removeCgroupTree(path string) error {
	err := unix.Rmdir(path)
	if err == unix.EBUSY {
		if fd, openErr := unix.Open(path, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0); openErr == nil {
			subs := subdirs(fd)
			unix.Close(fd)
			for _, sub := range subs {
				_ = removeCgroupTree(path + "/" + sub)
			}
			err = unix.Rmdir(path)
		}
	}
	if err != nil {
		return &fs.PathError{Op: "rmdir", Path: path, Err: err}
	}
	return nil
}

// subdirs lists the directories (child cgroups) in the directory dir.
func subdirs(dir int) []string {
	fd, err := unix.Openat(dir, ".", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil
	}
	f := os.NewFile(uintptr(fd), ".")
	defer f.Close()
	entries, _ := f.ReadDir(-1)
	var names []string
	for _, e := range entries {
		if e.IsDir() {
			names = append(names, e.Name())
		}
	}
	return names
}

// writeFile writes value to the cgroup's file name.
func (c *Run) writeFile(name, value string) error {
	fd, err := unix.Openat(c.dir, name, unix.O_WRONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return &fs.PathError{Op: "open", Path: c.path + "/" + name, Err: err}
	}
	defer unix.Close(fd)
	if _, err := unix.Write(fd, []byte(value)); err != nil {
		return &fs.PathError{Op: "write", Path: c.path + "/" + name, Err: err}
	}
	return nil
}

// readAt reads the whole file name in the directory dir.
func readAt(dir int, name string) ([]byte, error) {
	fd, err := unix.Openat(dir, name, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	defer unix.Close(fd)
	buf := make([]byte, 0, 512)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := sysproc.IgnoringEINTRIO(func() (int, error) { return unix.Read(fd, buf[len(buf):cap(buf)]) })
		switch {
		case err != nil:
			return nil, &fs.PathError{Op: "read", Path: name, Err: err}
		case n == 0:
			return buf, nil
		}
		buf = buf[:len(buf)+n]
	}
}

// cgroupDirFS reads the files of the cgroup open as a directory
// descriptor, for ReadStats: openat, read, close.
type cgroupDirFS int

func (d cgroupDirFS) ReadFile(name string) ([]byte, error) { return readAt(int(d), name) }

// Open is there for fs.FS; ReadStats uses ReadFile.
func (d cgroupDirFS) Open(name string) (fs.File, error) {
	fd, err := unix.Openat(int(d), name, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	return os.NewFile(uintptr(fd), name), nil
}
