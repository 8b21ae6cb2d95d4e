//go:build linux

package testcap

import (
	"fmt"
	"path"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/perfgate/adapters/internal/procfs"
)

// CgroupV2 is this process's cgroup v2, found from /proc/self/cgroup and
// /proc/self/mountinfo.
type CgroupV2 struct {
	// Path is the cgroup's path in the hierarchy (the "0::" line of
	// /proc/self/cgroup), Dir its directory in the file system.
	Path, Dir string
}

// OwnCgroupV2 finds this process's cgroup v2 directory, or says why there
// is none: no procfs, no "0::" line (a cgroup v1 only machine), no cgroup2
// mount that holds the cgroup, or a directory that is not a cgroup2 one.
func OwnCgroupV2() (CgroupV2, string) {
	data, err := procfs.ReadFile(procfs.DefaultRoot, "self", "cgroup")
	if err != nil {
		return CgroupV2{}, fmt.Sprintf("no procfs: %v", err)
	}
	var cg CgroupV2
	for _, line := range strings.Split(string(data), "\n") {
		if p, ok := strings.CutPrefix(line, "0::"); ok {
			cg.Path = p
		}
	}
	if !strings.HasPrefix(cg.Path, "/") {
		return CgroupV2{}, fmt.Sprintf("no cgroup v2 line in /proc/self/cgroup: %q", data)
	}
	mounts, err := cgroup2Mounts()
	if err != nil {
		return CgroupV2{}, err.Error()
	}
	if len(mounts) == 0 {
		return CgroupV2{}, "no cgroup2 file system in /proc/self/mountinfo"
	}
	for _, m := range mounts {
		rel, ok := underRoot(cg.Path, m.Root)
		if !ok {
			continue
		}
		cg.Dir = path.Join(m.Point, rel)
		var st unix.Statfs_t
		if err := unix.Statfs(cg.Dir, &st); err != nil {
			return CgroupV2{}, fmt.Sprintf("statfs %s: %v", cg.Dir, err)
		}
		if st.Type != unix.CGROUP2_SUPER_MAGIC {
			return CgroupV2{}, fmt.Sprintf("%s is not on a cgroup2 file system (type %#x)", cg.Dir, st.Type)
		}
		return cg, ""
	}
	return CgroupV2{}, fmt.Sprintf("no cgroup2 mount holds this process's cgroup %s", cg.Path)
}

// cgroup2Mounts lists the cgroup2 mounts of /proc/self/mountinfo.
func cgroup2Mounts() ([]procfs.Mount, error) {
	mounts, err := procfs.Mounts(procfs.DefaultRoot, "self")
	if err != nil {
		return nil, fmt.Errorf("no procfs: %v", err)
	}
	var out []procfs.Mount
	for _, m := range mounts {
		if m.FSType == "cgroup2" {
			out = append(out, m)
		}
	}
	return out, nil
}

// underRoot returns p relative to the mount root, if p is under it.
func underRoot(p, root string) (string, bool) {
	if root == "/" {
		return p, true
	}
	if p == root {
		return "/", true
	}
	rel, ok := strings.CutPrefix(p, root+"/")
	return "/" + rel, ok
}
