//go:build unix || windows

// The systems whose syscall package has SIGHUP and SIGQUIT (on Windows
// they are never sent, but naming them costs nothing); signals_other.go is
// the rest.

package main

import (
	"os"
	"syscall"
)

// endingSignals end a measurement: the running command's process group is
// killed (the library does it when the context ends), and perfgate-measure
// exits 128 + the signal's number (signalStatus). SIGHUP (a closed
// terminal) and SIGQUIT would otherwise end perfgate-measure alone and
// leave a command started without the spawner, or in tree scope, burning
// CPU.
var endingSignals = []os.Signal{os.Interrupt, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT}

// signalStatus is the exit status after each of endingSignals.
var signalStatus = map[os.Signal]int{
	os.Interrupt: exitInterrupted, syscall.SIGTERM: exitTerminated,
	syscall.SIGHUP: exitHangUp, syscall.SIGQUIT: exitQuit,
}
