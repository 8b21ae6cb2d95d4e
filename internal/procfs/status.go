package procfs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// ErrNoVmHWM means a status file has no VmHWM line (a kernel thread, or a
// process that has already exited).
var ErrNoVmHWM = errors.New("procfs: status has no VmHWM line")

const vmHWMPrefix = "VmHWM:"

// PeakRSSKiB returns the peak resident set size ("VmHWM") of the process
// pid in KiB, read from root/pid/status; pid "self" is the caller. VmHWM
// belongs to the address space: unlike getrusage's ru_maxrss, it carries
// nothing over from before the process's last exec.
func PeakRSSKiB(root, pid string) (uint64, error) {
	path := filepath.Join(root, pid, "status")
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	kib, err := ParseVmHWM(data)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", path, err)
	}
	return kib, nil
}

// ParseVmHWM returns the value of the "VmHWM: N kB" line of the contents of
// a /proc/PID/status file, in KiB. It never panics, whatever data holds.
func ParseVmHWM(data []byte) (uint64, error) {
	rest, ok := firstLineValue(data, vmHWMPrefix)
	if !ok {
		return 0, ErrNoVmHWM
	}
	// The "N kB" format is meminfo's; its errors name MemTotal.
	bytesValue, err := parseKiBValue(rest)
	if err != nil {
		return 0, fmt.Errorf("VmHWM: %w", err)
	}
	return bytesValue / 1024, nil
}
