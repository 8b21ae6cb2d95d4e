// Package cgroupfs finds the caller's cgroup v2 directory and parses the
// cgroup v2 files a runner reads for whole-tree accounting, under
// injectable roots, so that the parsers are tested on fixtures on any
// operating system.
//
// Where the files come from (Documentation/admin-guide/cgroup-v2.rst):
//
//   - /proc/self/mountinfo lists the cgroup2 mounts (file system type
//     "cgroup2"): at /sys/fs/cgroup on a pure v2 machine, at
//     /sys/fs/cgroup/unified in systemd's hybrid mode.
//   - /proc/self/cgroup holds "0::PATH", the caller's cgroup in the v2
//     hierarchy (other lines are v1 hierarchies).
//   - cpu.stat exists in every non-root cgroup, with or without the cpu
//     controller: usage_usec, user_usec and system_usec are core
//     statistics (the cpu controller only adds throttling keys).
//   - memory.peak exists when the memory controller is enabled for the
//     cgroup (in its parent's cgroup.subtree_control), from Linux 5.19.
//   - io.stat exists when the io controller is enabled for the cgroup.
//   - cgroup.events holds "populated" and, from Linux 5.2, "frozen".
//
// Nothing here needs Linux; only the root package's Linux runner uses it.
package cgroupfs

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"math/bits"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
)

// Errors of the parsers; compare with errors.Is.
var (
	// ErrMalformed means a file does not have the layout the kernel
	// writes: a line without its separator, a value that is not an
	// unsigned decimal number where one is read.
	ErrMalformed = errors.New("cgroupfs: malformed file")
	// ErrMissingKey means a key the caller needs is absent.
	ErrMissingKey = errors.New("cgroupfs: key missing")
	// ErrOverflow means a sum does not fit in a uint64.
	ErrOverflow = errors.New("cgroupfs: sum overflows uint64")
	// ErrNoV2 means /proc/self/cgroup has no "0::" line: the process is
	// not in a cgroup v2 hierarchy (a pure v1 machine).
	ErrNoV2 = errors.New("cgroupfs: no cgroup v2 entry in /proc/self/cgroup")
	// ErrDeleted means the caller's cgroup was removed while it was in it
	// (the kernel appends " (deleted)" to the path).
	ErrDeleted = errors.New("cgroupfs: the cgroup was deleted")
	// ErrNoMount means no cgroup2 mount shows the caller's cgroup.
	ErrNoMount = errors.New("cgroupfs: no cgroup2 mount shows the caller's cgroup")
)

// DefaultProcRoot is where Linux mounts procfs.
const DefaultProcRoot = "/proc"

// CGroup2SuperMagic is statfs's f_type for a cgroup2 file system.
const CGroup2SuperMagic = 0x63677270

// Mount is one cgroup2 mount of /proc/self/mountinfo.
type Mount struct {
	// Root is the directory of the hierarchy mounted (field 4): "/"
	// normally, a cgroup path for a bind mount or in a cgroup namespace
	// set up that way.
	Root string
	// MountPoint is where it is mounted (field 5).
	MountPoint string
	// ReadOnly reports "ro" among the mount options (field 6).
	ReadOnly bool
}

// ParseMountInfo returns the cgroup2 mounts of the contents of a
// /proc/PID/mountinfo file, in file order. Each line is
//
//	ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTIONS
//
// with space, tab, newline and backslash in ROOT and MOUNTPOINT written as
// octal escapes ("\040"). Lines that do not have this shape are skipped: a
// cgroup2 mount the kernel wrote is never among them. It never panics.
func ParseMountInfo(data []byte) []Mount {
	var mounts []Mount
	for line := range lines(data) {
		fields := strings.Split(string(line), " ")
		sep := -1
		for i := 6; i < len(fields); i++ {
			if fields[i] == "-" {
				sep = i
				break
			}
		}
		if sep < 0 || sep+3 >= len(fields) {
			continue // no separator, or not FSTYPE SOURCE SUPEROPTIONS after it
		}
		if fields[sep+1] != "cgroup2" {
			continue
		}
		root, mountPoint := unescapeOctal(fields[3]), unescapeOctal(fields[4])
		if !strings.HasPrefix(root, "/") || !strings.HasPrefix(mountPoint, "/") {
			continue
		}
		readOnly := false
		for opt := range strings.SplitSeq(fields[5], ",") {
			readOnly = readOnly || opt == "ro"
		}
		mounts = append(mounts, Mount{Root: root, MountPoint: mountPoint, ReadOnly: readOnly})
	}
	return mounts
}

// unescapeOctal undoes the kernel's mangling of paths in mountinfo: a
// backslash and three octal digits stand for one byte. Anything else is
// kept as it is.
func unescapeOctal(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		// At most \377: one byte.
		if s[i] == '\\' && i+3 < len(s) && '0' <= s[i+1] && s[i+1] <= '3' && isOctal(s[i+2]) && isOctal(s[i+3]) {
			b.WriteByte((s[i+1]-'0')<<6 | (s[i+2]-'0')<<3 | (s[i+3] - '0'))
			i += 3
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isOctal(c byte) bool { return '0' <= c && c <= '7' }

// ParseProcCgroup returns the caller's cgroup v2 path from the contents of
// a /proc/PID/cgroup file: what follows "0::" on the first line starting
// with it ("/" for the root, "/user.slice/..." otherwise). The path must
// be absolute; a path the kernel marked " (deleted)" is ErrDeleted.
func ParseProcCgroup(data []byte) (string, error) {
	for line := range lines(data) {
		rest, ok := bytes.CutPrefix(line, []byte("0::"))
		if !ok {
			continue
		}
		p := string(rest)
		if cut, deleted := strings.CutSuffix(p, " (deleted)"); deleted {
			return cut, ErrDeleted
		}
		if !strings.HasPrefix(p, "/") {
			return "", fmt.Errorf("%w: cgroup v2 path %q is not absolute", ErrMalformed, p)
		}
		return p, nil
	}
	return "", ErrNoV2
}

// Dir returns the directory that shows the cgroup at path cgroupPath (as
// ParseProcCgroup returns it), given the cgroup2 mounts. A mount shows the
// path when its Root is the path or an ancestor of it; of those, a
// read-write mount is preferred, then the first in file order.
func Dir(mounts []Mount, cgroupPath string) (string, bool) {
	cgroupPath = path.Clean(cgroupPath)
	best := -1
	for i, m := range mounts {
		root := path.Clean(m.Root)
		if _, ok := within(root, cgroupPath); !ok {
			continue
		}
		if best < 0 || (mounts[best].ReadOnly && !m.ReadOnly) {
			best = i
		}
	}
	if best < 0 {
		return "", false
	}
	rel, _ := within(path.Clean(mounts[best].Root), cgroupPath)
	return path.Join(mounts[best].MountPoint, rel), true
}

// within returns p relative to root when root is p or an ancestor of it.
func within(root, p string) (string, bool) {
	if root == "/" {
		return p, true
	}
	if p == root {
		return "", true
	}
	if rest, ok := strings.CutPrefix(p, root+"/"); ok {
		return rest, true
	}
	return "", false
}

// Location is where the caller's cgroup v2 is.
type Location struct {
	// Path is the cgroup's path in the v2 hierarchy ("/" is the root).
	Path string
	// Dir is the directory that shows it (Path under a cgroup2 mount).
	Dir string
}

// Locate finds the caller's cgroup v2 directory from procRoot/self/cgroup
// and procRoot/self/mountinfo (procRoot is normally DefaultProcRoot).
func Locate(procRoot string) (Location, error) {
	cgroupFile := filepath.Join(procRoot, "self", "cgroup")
	data, err := os.ReadFile(cgroupFile)
	if err != nil {
		return Location{}, err
	}
	p, err := ParseProcCgroup(data)
	if err != nil {
		return Location{}, fmt.Errorf("%s: %w", cgroupFile, err)
	}
	mountInfoFile := filepath.Join(procRoot, "self", "mountinfo")
	data, err = os.ReadFile(mountInfoFile)
	if err != nil {
		return Location{}, err
	}
	dir, ok := Dir(ParseMountInfo(data), p)
	if !ok {
		return Location{Path: p}, fmt.Errorf("%s: %w (cgroup %s)", mountInfoFile, ErrNoMount, p)
	}
	return Location{Path: p, Dir: dir}, nil
}

// lines yields the lines of data without their '\n', skipping empty ones.
func lines(data []byte) func(yield func([]byte) bool) {
	return func(yield func([]byte) bool) {
		for len(data) > 0 {
			line := data
			if i := bytes.IndexByte(data, '\n'); i >= 0 {
				line, data = data[:i], data[i+1:]
			} else {
				data = nil
			}
			if len(line) == 0 {
				continue
			}
			if !yield(line) {
				return
			}
		}
	}
}

// parseUint parses an unsigned decimal number: digits only, no sign, no
// blank, at most uint64.
func parseUint(b []byte) (uint64, bool) {
	if len(b) == 0 {
		return 0, false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseUint(string(b), 10, 64)
	return n, err == nil
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
			n, ok := parseUint(value)
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
	n, ok := parseUint(bytes.TrimSuffix(data, []byte("\n")))
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
		if _, okMajor := parseUint(major); !ok || !okMajor {
			return IOStat{}, fmt.Errorf("%w: io.stat device %q", ErrMalformed, fields[0])
		}
		if _, okMinor := parseUint(minor); !okMinor {
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
			n, ok := parseUint(value)
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
		n, ok := parseUint(line)
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
