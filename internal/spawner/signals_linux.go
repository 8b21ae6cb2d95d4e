//go:build linux

package spawner

// The caller's ignored signals, reproduced in the spawner for each child.
// A direct child inherits the caller's SIG_IGN dispositions (fork copies
// them, execve keeps them; Go's child resets only the handlers Go
// installed, runtime.clearSignalHandlers). syscall.SysProcAttr has no
// field for them, so the spawner sets them in itself, process-wide,
// under the lock that serialises its spawns, and its vfork child copies
// them at its clone.

import (
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// ignorable is the set of signals, bit n−1 for signal n as in SigIgn,
// that a request may ask the spawner to ignore: those Go's signal.Ignore
// can ignore (the runtime's _SigNotify signals but SIGPROF), less
// SIGCHLD, which the spawner needs to reap its children with wait4.
var ignorable = func() uint64 {
	// SIGSTKFLT is 16 but on mips, where 16 is SIGUSR1 and 7 SIGEMT.
	stkfltOrEMT := syscall.Signal(16)
	if syscall.SIGUSR1 == 16 {
		stkfltOrEMT = 7
	}
	set := ^uint64(0)
	for _, sig := range []syscall.Signal{syscall.SIGKILL, syscall.SIGSTOP, syscall.SIGCHLD, syscall.SIGPROF,
		syscall.SIGILL, syscall.SIGTRAP, syscall.SIGBUS, syscall.SIGFPE, syscall.SIGSEGV, syscall.SIGSYS,
		stkfltOrEMT, 32, 33, 34} { // 32 to 34: the C library's own
		set &^= sigBit(sig)
	}
	return set
}()

// sigBit is sig's bit in a SigIgn mask.
func sigBit(sig syscall.Signal) uint64 { return 1 << (uint(sig) - 1) }

// unignorableWhy says why a caller that ignores the signals of set
// (which has bits outside ignorable) spawns directly.
func unignorableWhy(set uint64) string {
	if set&sigBit(syscall.SIGCHLD) != 0 {
		return "SIGCHLD (the spawner reaps its children with wait4)"
	}
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

// ownIgnored is the process's SigIgn mask, read once when the spawner
// starts (no descriptor kept). When it cannot be read it is ignorable,
// so that the first run sets every disposition os/signal can set; never
// the others, which the runtime may be handling.
func ownIgnored() uint64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return ignorable
	}
	mask, ok := parseSigMask(statusValue(data, sigIgnKey))
	if !ok {
		return ignorable
	}
	return mask
}

// goDefault is the set of signals the Go runtime leaves at SIG_DFL when
// it starts (_SigDefault): job control.
var goDefault = sigBit(syscall.SIGTSTP) | sigBit(syscall.SIGTTIN) | sigBit(syscall.SIGTTOU) | sigBit(syscall.SIGCONT)

// signalSink takes the signals the spawner notifies itself of for an
// instant to give them back to the Go runtime (setIgnored).
var signalSink = make(chan os.Signal, 1)

// setIgnored makes the spawner ignore exactly the signals of want, from
// the set it ignores now, have; it is called with spawnMu held. The
// signals of want are within ignorable (decodeRequest).
func setIgnored(have, want uint64) {
	for sig := syscall.Signal(1); sig <= 64; sig++ {
		bit := sigBit(sig)
		switch {
		case (have^want)&bit == 0:
		case want&bit != 0:
			signal.Ignore(sig)
		default:
			// SIG_DFL first: the runtime keeps a SIGHUP or SIGINT that
			// was ignored when it started ignored through Notify and
			// Reset. Then Notify and Reset give the signal back to the
			// runtime's handler, as at a start with it not ignored
			// (signal.Reset alone leaves an ignored signal ignored); job
			// control stays at SIG_DFL, where the runtime leaves it.
			setDefault(sig)
			if ignorable&bit != 0 && goDefault&bit == 0 {
				signal.Notify(signalSink, sig)
				signal.Reset(sig)
			}
		}
	}
}

// setDefault sets sig's disposition to SIG_DFL with rt_sigaction, which
// os/signal cannot do. The runtime is not handling sig then (signal.Ignore
// or its start left it so); should it be (only after an unreadable SigIgn
// at the start), a child still gets SIG_DFL.
func setDefault(sig syscall.Signal) {
	var dfl [4]uint64 // struct sigaction on every architecture, all zero: SIG_DFL
	sigsetSize := uintptr(8)
	if syscall.SIGUSR1 == 16 { // mips, whose kernel has 128 signals
		sigsetSize = 16
	}
	_, _, _ = unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(sig), uintptr(unsafe.Pointer(&dfl)), 0, sigsetSize, 0, 0)
}
