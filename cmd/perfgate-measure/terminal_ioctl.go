//go:build aix || darwin || dragonfly || freebsd || linux || netbsd || openbsd || solaris

// The systems where golang.org/x/sys/unix reads termios settings, named
// by that mechanism: not every unix (hurd) has it. The request is
// TIOCGETA (terminal_bsd.go) or TCGETS (terminal_tcgets.go).

package main

import "golang.org/x/sys/unix"

// isTerminal reports whether fd is a terminal: whether it has termios
// settings, as isatty(3) and golang.org/x/term decide.
func isTerminal(fd uintptr) bool {
	_, err := unix.IoctlGetTermios(int(fd), ioctlReadTermios)
	return err == nil
}
