package program

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

// Open returns a read-only, close-on-exec descriptor of the spawner
// program's image (Image) that this process has been seen to execute, for
// the caller to start as "/proc/self/fd/N" (see Launch's documentation in
// docs/spawner.md: syscall.ForkExec with descriptors 0, 1, 2 on /dev/null
// and 3 the control socket, argv ["perfgate-spawn"], an empty
// environment, Setpgid; then reap the launcher it returns, which exits at
// once after its fork).
//
// The places are tried in order: a sealed memfd (memfd_create with
// MFD_CLOEXEC|MFD_ALLOW_SEALING|MFD_EXEC, without MFD_EXEC on kernels
// before 6.3), then an unnamed O_TMPFILE file of mode 0500 in
// $XDG_RUNTIME_DIR, /dev/shm and os.TempDir(), written and reopened
// read-only through /proc/self/fd (a writable descriptor left open would
// make exec fail with ETXTBSY). Whether a place can execute is decided by
// executing it once (Open's trial): the image started with descriptor 3
// on /dev/null forks, fails to send its hello and exits, so the trial
// costs one fork and exec and leaves nothing behind, while a memfd refused
// by vm.memfd_noexec=2 or a file on a noexec mount fails that exec with
// EACCES or EPERM and the next place is tried. So the caller launches from
// one descriptor and needs no fallback of its own below Open; the
// descriptor can be kept and launched from many times.
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
	return "/proc/self/fd/" + strconv.Itoa(int(f.Fd()))
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
	rfd, err := unix.Open("/proc/self/fd/"+strconv.Itoa(fd), unix.O_RDONLY|unix.O_CLOEXEC, 0)
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

// trial executes f once with descriptor 3 on /dev/null, where the program
// forks, cannot send its hello and exits (the launcher with 0): exec
// itself is what is tried. It returns exec's error.
func trial(f *os.File) error {
	null, err := os.Open(os.DevNull)
	if err != nil {
		return err
	}
	defer null.Close()
	n := null.Fd()
	pid, err := syscall.ForkExec(ExecPath(f), []string{"perfgate-spawn"}, &syscall.ProcAttr{
		Env:   []string{},
		Files: []uintptr{n, n, n, n},
	})
	if err != nil {
		return err
	}
	var ws syscall.WaitStatus
	for {
		_, err = syscall.Wait4(pid, &ws, 0, nil)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		return os.NewSyscallError("wait4", err)
	}
	if !ws.Exited() || ws.ExitStatus() != 0 {
		return fmt.Errorf("the trial ended with wait status %#x", uint32(ws))
	}
	return nil
}
