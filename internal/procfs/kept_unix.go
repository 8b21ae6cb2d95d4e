//go:build unix

package procfs

import (
	"path/filepath"
	"sync"
	"syscall"

	"github.com/perfgate/adapters/internal/sysproc"
)

// Kept is a procfs file kept open once opened, for a file read again and
// again (the caller's own status, before every run): a pread on an open
// descriptor costs half of an open, read and close, and needs no new
// descriptor, so that a caller out of descriptors still reads it (its own
// peak, after a run that used them all). The descriptor lives above 2
// (sysproc.OpenAboveStdio); a failed open is not remembered, the next
// read tries again. Its buffer is reused: a read allocates nothing once
// the buffer has grown to the file's size.
type Kept struct {
	open func() (int, error)
	mu   sync.Mutex
	buf  []byte
}

// Keep returns the file name of process pid under root ("self" for the
// caller), opened at its first read.
func Keep(root, pid, name string) *Kept {
	return &Kept{open: sysproc.CachedOpen(filepath.Join(root, pid, name), syscall.O_RDONLY)}
}

// Read calls fn with the whole file, read from its start, under k's lock:
// data is valid only until fn returns. fn's error is Read's.
func (k *Kept) Read(fn func(data []byte) error) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	fd, err := k.open()
	if err != nil {
		return err
	}
	if k.buf == nil {
		k.buf = make([]byte, 4096)
	}
	for {
		n, err := sysproc.IgnoringEINTRIO(func() (int, error) { return syscall.Pread(fd, k.buf, 0) })
		if err != nil {
			return err
		}
		if n < len(k.buf) {
			return fn(k.buf[:n])
		}
		k.buf = make([]byte, 2*len(k.buf))
	}
}

// ReadUint reads the file with parse, as Read.
func (k *Kept) ReadUint(parse func([]byte) (uint64, error)) (uint64, error) {
	var v uint64
	err := k.Read(func(data []byte) (err error) {
		v, err = parse(data)
		return err
	})
	return v, err
}
