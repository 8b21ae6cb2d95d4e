package cgroupfs

// Reading is what a run in tree scope learned from its cgroup.
type Reading struct {
	// Unavailable says why no cgroup was used; empty when one was.
	Unavailable string
	// Stats is what was read from the cgroup after the run.
	Stats Stats
	// Leftover says that the cgroup could not be emptied or removed.
	Leftover string
}

// RunPaths makes a run's cgroup take a path that this machine would not
// take by itself, so that CI tests them. Only tests set them.
type RunPaths struct {
	// FreezeKill kills a cgroup by freezing it, as before Linux 5.14.
	FreezeKill bool
	// CloneIntoCgroupFails makes the clone into the cgroup fail, as on a
	// kernel without CLONE_INTO_CGROUP.
	CloneIntoCgroupFails bool
}
