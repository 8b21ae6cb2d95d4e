package program

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"

	"github.com/perfgate/adapters/internal/procfs"
	"github.com/perfgate/adapters/internal/sysproc"
)

// Open returns a read-only, close-on-exec descriptor of the spawner
// program's image (Image) that this process has been seen to execute, for
// Launch to start as ExecPath of it.
//
// The places are tried in order: a sealed memfd (memfd_create with
// MFD_CLOEXEC|MFD_ALLOW_SEALING|MFD_EXEC, without MFD_EXEC on kernels
// before 6.3), then an unnamed O_TMPFILE file of mode 0500 in
// $XDG_RUNTIME_DIR, /dev/shm and os.TempDir(), written and reopened
// read-only through /proc/self/fd (a writable descriptor left open would
// make exec fail with ETXTBSY). Whether a place works is decided by
// running the program from it once (Open's trial): started by Launch, as
// a caller starts it, it says hello and exits when its control socket closes, so
// the trial costs one fork, one exec and a hello, and leaves nothing
// behind; a memfd refused by vm.memfd_noexec=2 or a file on a noexec
// mount fails that exec (EACCES, EPERM) and the next place is tried. So
// the caller launches from one descriptor and needs no fallback of its own
// below Open's; the descriptor can be kept and launched from many times.
//
// The error, when no place works, joins every place's; it is
// ErrUnsupported where there is no spawner program.
func Open() (*os.File, error) {
	img, err := Image()
	if err != nil {
		return nil, err
	}
	var errs []error
	try := func(place string, f *os.File, err error) bool {
		if err == nil {
			if err = trial(f); err == nil {
				return true
			}
			f.Close()
		}
		errs = append(errs, fmt.Errorf("%s: %w", place, err))
		return false
	}
	if f, err := openMemfd(img); try("memfd", f, err) {
		return f, nil
	}
	for _, dir := range tmpDirs() {
		if f, err := openTmpfile(dir, img); try(dir, f, err) {
			return f, nil
		}
	}
	return nil, fmt.Errorf("spawner program: no place to execute it from: %w", errors.Join(errs...))
}

// ExecPath is the path that executes f, an Open descriptor, in this
// process and in a child forked from it.
func ExecPath(f *os.File) string {
	return procfs.FDPath(procfs.DefaultRoot, "self", int(f.Fd()))
}

// openMemfd writes img to a new memfd and seals it.
func openMemfd(img []byte) (*os.File, error) {
	const name = "perfgate-spawn"
	fd, err := unix.MemfdCreate(name, unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING|unix.MFD_EXEC)
	if err == unix.EINVAL { // before Linux 6.3, no MFD_EXEC
		fd, err = unix.MemfdCreate(name, unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
	}
	if err != nil {
		return nil, os.NewSyscallError("memfd_create", err)
	}
	// Kept for the life of the process: never as descriptor 0, 1 or 2 of
	// a caller that closed one, which a launch's dup2 onto 0-2 would
	// replace before the exec of /proc/self/fd/N.
	if fd, err = sysproc.MoveAboveStdio(fd); err != nil {
		return nil, os.NewSyscallError("fcntl F_DUPFD", err)
	}
	f := os.NewFile(uintptr(fd), "/memfd:"+name)
	if err := writeAll(f, img); err != nil {
		f.Close()
		return nil, err
	}
	const seals = unix.F_SEAL_SEAL | unix.F_SEAL_SHRINK | unix.F_SEAL_GROW | unix.F_SEAL_WRITE
	if _, err := unix.FcntlInt(f.Fd(), unix.F_ADD_SEALS, seals); err != nil {
		f.Close()
		return nil, os.NewSyscallError("fcntl F_ADD_SEALS", err)
	}
	return f, nil
}

// tmpDirs are the places for an O_TMPFILE file, in order, without
// repeats: $XDG_RUNTIME_DIR, /dev/shm, os.TempDir().
func tmpDirs() []string {
	var dirs []string
	for _, d := range []string{os.Getenv("XDG_RUNTIME_DIR"), "/dev/shm", os.TempDir()} {
		dup := d == ""
		for _, e := range dirs {
			dup = dup || e == d
		}
		if !dup {
			dirs = append(dirs, d)
		}
	}
	return dirs
}

// openTmpfile writes img to an unnamed file of mode 0500 in dir and
// returns it reopened read-only, the writable descriptor closed.
func openTmpfile(dir string, img []byte) (*os.File, error) {
	fd, err := unix.Open(dir, unix.O_TMPFILE|unix.O_RDWR|unix.O_CLOEXEC, 0o500)
	if err != nil {
		return nil, &os.PathError{Op: "open O_TMPFILE", Path: dir, Err: err}
	}
	w := os.NewFile(uintptr(fd), dir+"/(O_TMPFILE)")
	defer w.Close()
	if err := writeAll(w, img); err != nil {
		return nil, err
	}
	rfd, err := unix.Open(procfs.FDPath(procfs.DefaultRoot, "self", fd), unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err == nil {
		rfd, err = sysproc.MoveAboveStdio(rfd) // as the memfd, above
	}
	if err != nil {
		return nil, &os.PathError{Op: "reopen", Path: dir, Err: err}
	}
	return os.NewFile(uintptr(rfd), w.Name()), nil
}

func writeAll(f *os.File, b []byte) error {
	n, err := f.Write(b)
	if err == nil && n != len(b) {
		err = errors.New("short write")
	}
	if err != nil {
		return fmt.Errorf("spawner program: writing its image: %w", err)
	}
	return nil
}

// Argv is the program's argv. With any further argument the program
// never asks clone for a pidfd and opens one after the exec instead, as it
// does on kernels and emulators that refuse CLONE_PIDFD (tests use it).
var Argv = []string{"perfgate-spawn"}

// trial starts the program in f once, as a caller does, reads its hello
// and closes its control socket, at which the program exits; it waits for
// that exit through a pidfd and reaps the program if it is the caller's
// child (a subreaper's). It returns exec's error, or any other reason the
// program did not say hello.
func trial(f *os.File) error {
	ctl, h, err := Launch(ExecPath(f), LaunchOptions{})
	if err != nil {
		return err
	}
	pidfd, perr := unix.PidfdOpen(h.Pid, 0)
	unix.Close(ctl)
	if perr != nil {
		return nil // a kernel before 5.3: the program exits on its own
	}
	defer unix.Close(pidfd)
	fds := []unix.PollFd{{Fd: int32(pidfd), Events: unix.POLLIN}}
	for {
		if _, err := unix.Poll(fds, -1); err != unix.EINTR {
			break
		}
	}
	var info unix.Siginfo
	_ = unix.Waitid(unix.P_PIDFD, pidfd, &info, unix.WEXITED|unix.WNOHANG, nil) // ECHILD: not ours
	return nil
}
