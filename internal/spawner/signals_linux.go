//go:build linux

package spawner

// The caller's ignored signals, reproduced for each child. A direct child
// inherits the caller's SIG_IGN dispositions (fork copies them, execve
// keeps them; Go's child resets only the handlers Go installed). Each
// request carries the caller's SigIgn of that moment; the spawner's child
// sets them in itself before its exec, every other signal being at
// SIG_DFL as in the spawner, which so keeps SIGCHLD for its wait4 even for
// a caller that ignores it.

import (
	"strconv"
	"syscall"
)

// ignorable is the set of signals, bit n−1 for signal n as in SigIgn,
// that the spawner can ignore for a child: all but SIGKILL and SIGSTOP,
// which nothing can ignore (a SigIgn that has them is not one to trust).
var ignorable = ^uint64(0) &^ (sigBit(syscall.SIGKILL) | sigBit(syscall.SIGSTOP))

// sigBit is sig's bit in a SigIgn mask.
func sigBit(sig syscall.Signal) uint64 { return 1 << (uint(sig) - 1) }

// unignorableWhy says why a caller that ignores the signals of set
// (which has bits outside ignorable) spawns directly.
func unignorableWhy(set uint64) string {
	for sig := syscall.Signal(1); sig <= 64; sig++ {
		if set&sigBit(sig)&^ignorable != 0 {
			return "signal " + strconv.Itoa(int(sig)) + ", which the spawner cannot ignore"
		}
	}
	return ""
}

// parseSigMask reads the hexadecimal mask of a SigIgn or SigBlk line of
// /proc/PID/status; ok is false when it is not one.
func parseSigMask(line []byte) (mask uint64, ok bool) {
	n := 0
	for _, c := range line {
		switch {
		case c >= '0' && c <= '9':
			mask = mask<<4 | uint64(c-'0')
		case c >= 'a' && c <= 'f':
			mask = mask<<4 | uint64(c-'a'+10)
		case c == '\n' || c == '\t' || c == ' ':
			continue
		default:
			return 0, false
		}
		n++
	}
	return mask, n == 16
}
