// Package cgroupfs is cgroup v2 for a run in tree scope: it finds the
// caller's cgroup v2 directory, parses the cgroup files a runner reads for
// whole-tree accounting (under injectable roots, so that the parsers are
// tested on fixtures on any operating system), and, on Linux, makes a
// run's own cgroup, kills and drains it, reads it and removes it, and
// sweeps the cgroups that killed callers left behind.
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
// The parsers need no Linux; the run's cgroup is Linux's, used by
// internal/runloop's Linux loop.
package cgroupfs

import (
	"bytes"
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"strings"

	"github.com/perfgate/adapters/internal/procfs"
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
const DefaultProcRoot = procfs.DefaultRoot

// CGroup2SuperMagic is statfs's f_type for a cgroup2 file system.
const CGroup2SuperMagic = 0x63677270

// Mount is one mount of /proc/self/mountinfo, as procfs reads it.
type Mount = procfs.Mount

// ParseMountInfo returns the cgroup2 mounts of the contents of a
// /proc/PID/mountinfo file, in file order: procfs's parse, keeping the
// mounts of type cgroup2 whose root and mount point are absolute (a
// cgroup2 mount the kernel wrote is never otherwise). It never panics.
func ParseMountInfo(data []byte) []Mount {
	var mounts []Mount
	for _, m := range procfs.ParseMountInfo(data) {
		if m.FSType == "cgroup2" && strings.HasPrefix(m.Root, "/") && strings.HasPrefix(m.Point, "/") {
			mounts = append(mounts, m)
		}
	}
	return mounts
}

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
	return path.Join(mounts[best].Point, rel), true
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
	data, err := procfs.ReadFile(procRoot, "self", "cgroup")
	if err != nil {
		return Location{}, err
	}
	p, err := ParseProcCgroup(data)
	if err != nil {
		return Location{}, fmt.Errorf("%s: %w", cgroupFile, err)
	}
	mountInfoFile := filepath.Join(procRoot, "self", "mountinfo")
	data, err = procfs.ReadFile(procRoot, "self", "mountinfo")
	if err != nil {
		return Location{}, err
	}
	dir, ok := Dir(ParseMountInfo(data), p)
	if !ok {
		return Location{Path: p}, fmt.Errorf("%s: %w (cgroup %s)", mountInfoFile, ErrNoMount, p)
	}
	return Location{Path: p, Dir: dir}, nil
}
