//go:build windows

package adapters

import (
	"os"
	"syscall"
	"time"
)

// processUsageSource names where usageFigures reads.
const processUsageSource = SourceGetProcessTimes

// usageFigures reads the CPU times Windows recorded for the process
// (GetProcessTimes, taken by os.Process.Wait). Memory, faults and I/O need
// a live process handle and come with the job-object runner.
func usageFigures(state *os.ProcessState, r *RunResult) {
	usage, ok := state.SysUsage().(*syscall.Rusage)
	if !ok || usage == nil {
		return
	}
	figures := rusageFigures{
		user:   filetimeDuration(usage.UserTime),
		system: filetimeDuration(usage.KernelTime),
	}
	figures.applyCPU(r)
}

// filetimeDuration converts a FILETIME interval (100 ns units).
func filetimeDuration(ft syscall.Filetime) time.Duration {
	return time.Duration(uint64(ft.HighDateTime)<<32|uint64(ft.LowDateTime)) * 100
}

// signalName names a signal; Windows processes do not end by signals.
func signalName(sig int) string { return "signal " + itoa(sig) }
