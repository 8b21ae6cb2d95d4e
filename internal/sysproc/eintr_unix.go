//go:build unix

package sysproc

import (
	"errors"
	"syscall"
)

// IgnoringEINTR calls fn until it returns an error other than EINTR.
func IgnoringEINTR(fn func() error) error {
	for {
		if err := fn(); err != syscall.EINTR {
			return err
		}
	}
}

// IgnoringEINTRIO is IgnoringEINTR for calls that return a count.
func IgnoringEINTRIO(fn func() (int, error)) (int, error) {
	for {
		n, err := fn()
		if err != syscall.EINTR {
			return n, err
		}
	}
}

// IsShortage says whether err is a want of a resource: fork and exec
// fail so for want of a descriptor (the pipe ForkExec makes before it
// forks), of memory or of a process, never for the program they start.
func IsShortage(err error) bool {
	return errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE) ||
		errors.Is(err, syscall.EAGAIN) || errors.Is(err, syscall.ENOMEM)
}
