package cgroupfs

// The parsers of the files a runner reads from a run's cgroup: cpu.stat,
// cgroup.events, memory.peak, io.stat, cgroup.procs.

import (
	"bytes"
	"fmt"
	"io/fs"
	"math/bits"

	"github.com/perfgate/adapters/internal/decimal"
)

// lines yields the lines of data without their '\n', skipping empty ones.
func lines(data []byte) func(yield func([]byte) bool) {
	return func(yield func([]byte) bool) {
		for line := range bytes.Lines(data) {
			if line = bytes.TrimSuffix(line, []byte("\n")); len(line) > 0 && !yield(line) {
				return
			}
		}
	}
}

// flatKeyed returns the values of keys in the contents of a flat keyed
// file (cpu.stat, cgroup.events, memory.stat): lines "KEY VALUE". The
// first line of each wanted key counts; other lines are not looked at. A
// wanted key whose value is not an unsigned decimal number is
// ErrMalformed; found reports which keys were present.
func flatKeyed(data []byte, keys []string) (values []uint64, found []bool, err error) {
	values = make([]uint64, len(keys))
	found = make([]bool, len(keys))
	for line := range lines(data) {
		key, value, ok := bytes.Cut(line, []byte(" "))
		if !ok {
			continue
		}
		for i, want := range keys {
			if found[i] || string(key) != want {
				continue
			}
			n, ok := decimal.ParseUint(value)
			if !ok {
				return nil, nil, fmt.Errorf("%w: %s %q", ErrMalformed, want, value)
			}
			values[i], found[i] = n, true
		}
	}
	return values, found, nil
}

// CPUStat holds the core CPU statistics of a cgroup and its descendants,
// in microseconds.
type CPUStat struct {
	// UsageUsec is the CPU time used (the scheduler's precise runtime).
	UsageUsec uint64
	// UserUsec and SystemUsec split UsageUsec by mode (tick-sampled and
	// scaled to it, as getrusage's times are).
	UserUsec, SystemUsec uint64
}

var cpuStatKeys = []string{"usage_usec", "user_usec", "system_usec"}

// ParseCPUStat parses the contents of a cpu.stat file. usage_usec,
// user_usec and system_usec are required; other keys (nice_usec, the cpu
// controller's nr_periods, ...) are ignored.
func ParseCPUStat(data []byte) (CPUStat, error) {
	v, found, err := flatKeyed(data, cpuStatKeys)
	if err != nil {
		return CPUStat{}, err
	}
	for i, ok := range found {
		if !ok {
			return CPUStat{}, fmt.Errorf("%w: cpu.stat has no %s", ErrMissingKey, cpuStatKeys[i])
		}
	}
	return CPUStat{UsageUsec: v[0], UserUsec: v[1], SystemUsec: v[2]}, nil
}

// Events is the content of cgroup.events.
type Events struct {
	// Populated reports live processes in the cgroup or its descendants.
	Populated bool
	// Frozen reports a frozen cgroup (false on kernels before 5.2, which
	// have no such key).
	Frozen bool
}

var eventsKeys = []string{"populated", "frozen"}

// ParseEvents parses the contents of a cgroup.events file; "populated" is
// required, "frozen" optional. A non-zero value is true.
func ParseEvents(data []byte) (Events, error) {
	v, found, err := flatKeyed(data, eventsKeys)
	if err != nil {
		return Events{}, err
	}
	if !found[0] {
		return Events{}, fmt.Errorf("%w: cgroup.events has no populated", ErrMissingKey)
	}
	return Events{Populated: v[0] != 0, Frozen: v[1] != 0}, nil
}

// ParseMemoryPeak parses the contents of memory.peak: a number of bytes,
// digits and one optional trailing newline.
func ParseMemoryPeak(data []byte) (uint64, error) {
	n, ok := decimal.ParseUint(bytes.TrimSuffix(data, []byte("\n")))
	if !ok {
		return 0, fmt.Errorf("%w: memory.peak %q", ErrMalformed, data)
	}
	return n, nil
}

// IOStat is io.stat summed over devices.
type IOStat struct {
	// ReadBytes and WriteBytes sum rbytes and wbytes.
	ReadBytes, WriteBytes uint64
	// Devices counts the device lines.
	Devices int
}

// ParseIOStat parses the contents of an io.stat file: one line per block
// device, "MAJ:MIN KEY=VALUE KEY=VALUE ...", each with rbytes and wbytes.
// Other keys (rios, wios, dbytes, dios, and those io.cost or io.latency
// add) are ignored. An empty file is no I/O. A line whose first field is
// not MAJ:MIN, with a field without '=', or without rbytes or wbytes, is
// ErrMalformed; sums beyond uint64 are ErrOverflow.
func ParseIOStat(data []byte) (IOStat, error) {
	var s IOStat
	for line := range lines(data) {
		fields := bytes.Split(line, []byte(" "))
		major, minor, ok := bytes.Cut(fields[0], []byte(":"))
		if _, okMajor := decimal.ParseUint(major); !ok || !okMajor {
			return IOStat{}, fmt.Errorf("%w: io.stat device %q", ErrMalformed, fields[0])
		}
		if _, okMinor := decimal.ParseUint(minor); !okMinor {
			return IOStat{}, fmt.Errorf("%w: io.stat device %q", ErrMalformed, fields[0])
		}
		var rbytes, wbytes uint64
		var haveR, haveW bool
		for _, f := range fields[1:] {
			key, value, ok := bytes.Cut(f, []byte("="))
			if !ok {
				return IOStat{}, fmt.Errorf("%w: io.stat field %q", ErrMalformed, f)
			}
			var target *uint64
			switch string(key) {
			case "rbytes":
				if haveR {
					continue
				}
				target, haveR = &rbytes, true
			case "wbytes":
				if haveW {
					continue
				}
				target, haveW = &wbytes, true
			default:
				continue
			}
			n, ok := decimal.ParseUint(value)
			if !ok {
				return IOStat{}, fmt.Errorf("%w: io.stat %s", ErrMalformed, f)
			}
			*target = n
		}
		if !haveR || !haveW {
			return IOStat{}, fmt.Errorf("%w: io.stat line %q lacks rbytes or wbytes", ErrMalformed, line)
		}
		var carryR, carryW uint64
		s.ReadBytes, carryR = bits.Add64(s.ReadBytes, rbytes, 0)
		s.WriteBytes, carryW = bits.Add64(s.WriteBytes, wbytes, 0)
		if carryR != 0 || carryW != 0 {
			return IOStat{}, ErrOverflow
		}
		s.Devices++
	}
	return s, nil
}

// ParseProcs parses the contents of cgroup.procs: one pid per line.
func ParseProcs(data []byte) ([]int, error) {
	var pids []int
	for line := range lines(data) {
		n, ok := decimal.ParseUint(line)
		if !ok || n == 0 || n > 1<<31-1 {
			return nil, fmt.Errorf("%w: cgroup.procs line %q", ErrMalformed, line)
		}
		pids = append(pids, int(n))
	}
	return pids, nil
}

// Stats is what a runner reads from a cgroup after its run. Each figure
// has its own error: a file that is missing (fs.ErrNotExist: the
// controller is not enabled, or the kernel is too old) or malformed does
// not spoil the others.
type Stats struct {
	CPU    CPUStat
	CPUErr error
	// MemoryPeak is memory.peak in bytes.
	MemoryPeak    uint64
	MemoryPeakErr error
	IO            IOStat
	IOErr         error
}

// ReadStats reads cpu.stat, memory.peak and io.stat of the cgroup whose
// directory is the root of fsys.
func ReadStats(fsys fs.FS) Stats {
	var s Stats
	var data []byte
	if data, s.CPUErr = fs.ReadFile(fsys, "cpu.stat"); s.CPUErr == nil {
		s.CPU, s.CPUErr = ParseCPUStat(data)
	}
	if data, s.MemoryPeakErr = fs.ReadFile(fsys, "memory.peak"); s.MemoryPeakErr == nil {
		s.MemoryPeak, s.MemoryPeakErr = ParseMemoryPeak(data)
	}
	if data, s.IOErr = fs.ReadFile(fsys, "io.stat"); s.IOErr == nil {
		s.IO, s.IOErr = ParseIOStat(data)
	}
	return s
}
