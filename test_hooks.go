package adapters

// testHooks lets tests take paths that this machine would not take by
// itself, so that Linux CI covers them. Every field is false or empty in a
// program; only tests set them, never concurrently with a run.
var testHooks struct {
	// readerGoroutines runs Linux through the reader-goroutine runner of
	// macOS and the BSDs.
	readerGoroutines bool
	// noPidfd takes the path of Linux kernels before 5.3.
	noPidfd bool
	// direct starts every run directly, as StdProcessRunner.Direct does,
	// so that the tests written for the default runner test the direct
	// spawn too.
	direct bool
	// freezeKill kills a cgroup by freezing it, as before Linux 5.14.
	freezeKill bool
	// cloneIntoCgroupFails makes the clone into a run's cgroup fail, as on
	// a kernel without CLONE_INTO_CGROUP.
	cloneIntoCgroupFails bool
}
