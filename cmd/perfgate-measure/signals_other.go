//go:build !unix && !windows

package main

import (
	"os"
	"syscall"
)

// endingSignals end a measurement where there is no SIGHUP or SIGQUIT
// (js, wasip1, plan9): SIGINT and SIGTERM, as signals_hupquit.go's.
var endingSignals = []os.Signal{os.Interrupt, syscall.SIGTERM}

// signalStatus is the exit status after each of endingSignals.
var signalStatus = map[os.Signal]int{os.Interrupt: exitInterrupted, syscall.SIGTERM: exitTerminated}
