//go:build !linux

package testcap

// CgroupV2 is this process's cgroup v2; there is none outside Linux.
type CgroupV2 struct{ Path, Dir string }

// OwnCgroupV2 says that cgroups are Linux's.
func OwnCgroupV2() (CgroupV2, string) { return CgroupV2{}, "cgroups are Linux's" }
