//go:build !aix && !darwin && !dragonfly && !freebsd && !linux && !netbsd && !openbsd && !solaris && !windows

package main

// isTerminal is false where there is no terminal to ask (js, wasip1,
// plan9): no progress line is drawn there.
func isTerminal(uintptr) bool { return false }
