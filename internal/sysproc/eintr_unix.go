//go:build unix

package sysproc

import "syscall"

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
