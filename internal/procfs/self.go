package procfs

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strconv"
)

// FDPath is the path of descriptor fd of process pid under root: with
// root DefaultRoot and pid "self", the path by which a process (and a
// child forked from it, until its exec) reopens or executes its own open
// file.
// It is a path for the kernel, slash-separated on every OS.
func FDPath(root, pid string, fd int) string {
	return path.Join(root, pid, "fd", strconv.Itoa(fd))
}

// ReadFile returns the whole file name of process pid under root.
func ReadFile(root, pid, name string) ([]byte, error) {
	return os.ReadFile(filepath.Join(root, pid, name))
}

// ReadMem reads len(buf) bytes of the memory of process pid under root at
// address addr (for "self", this process's own, which needs no unsafe
// pointer).
func ReadMem(root, pid string, addr uintptr, buf []byte) error {
	mem, err := os.Open(filepath.Join(root, pid, "mem"))
	if err != nil {
		return err
	}
	defer mem.Close()
	if _, err := mem.ReadAt(buf, int64(addr)); err != nil {
		return fmt.Errorf("%s at %#x: %w", mem.Name(), addr, err)
	}
	return nil
}
