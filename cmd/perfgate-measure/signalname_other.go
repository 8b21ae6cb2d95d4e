//go:build !plan9

package main

import "syscall"

// signalName is the platform's description of a signal ("killed").
func signalName(sig int) string { return syscall.Signal(sig).String() }
