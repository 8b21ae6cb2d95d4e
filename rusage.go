package adapters

import "time"

// maxRSSKiB converts a raw ru_maxrss to KiB: macOS and iOS report bytes,
// Linux and the BSDs report KiB.
func maxRSSKiB(goos string, raw int64) uint64 {
	if raw <= 0 {
		return 0
	}
	switch goos {
	case "darwin", "ios":
		return uint64(raw) / 1024
	default:
		return uint64(raw)
	}
}

// blockIOBytes converts ru_inblock/ru_oublock to bytes where that is exact.
// Linux counts 512-byte units (the task's read_bytes and write_bytes
// divided by 512); the BSDs and macOS count I/O operations of unknown size,
// so no byte figure can be given there.
func blockIOBytes(goos string, blocks int64) (uint64, bool) {
	if goos != "linux" && goos != "android" {
		return 0, false
	}
	if blocks < 0 {
		return 0, false
	}
	return uint64(blocks) * 512, true
}

// rusageFigures is the operating-system-neutral content of a struct rusage.
type rusageFigures struct {
	user, system             time.Duration
	maxRSSRaw                int64
	minorFaults, majorFaults int64
	inBlocks, outBlocks      int64
	voluntary, involuntary   int64
}

// apply fills r's resource figures from u, converting units for goos.
func (u *rusageFigures) apply(r *RunResult, goos string) {
	u.applyCPU(r)
	r.MaxRSSKB = uint64Ptr(maxRSSKiB(goos, u.maxRSSRaw))
	r.PageFaults = uint64Ptr(nonNegative(u.majorFaults))
	r.MinorPageFaults = uint64Ptr(nonNegative(u.minorFaults))
	voluntary, involuntary := nonNegative(u.voluntary), nonNegative(u.involuntary)
	r.VoluntaryCtxSwitches = uint64Ptr(voluntary)
	r.InvoluntaryCtxSwitches = uint64Ptr(involuntary)
	r.CtxSwitches = uint64Ptr(voluntary + involuntary)
	if read, ok := blockIOBytes(goos, u.inBlocks); ok {
		r.IOReadBytes = uint64Ptr(read)
	}
	if written, ok := blockIOBytes(goos, u.outBlocks); ok {
		r.IOWriteBytes = uint64Ptr(written)
	}
}

// applyCPU fills r's CPU figures only, for platforms that give no more.
func (u *rusageFigures) applyCPU(r *RunResult) {
	userUs := nonNegative(u.user.Microseconds())
	systemUs := nonNegative(u.system.Microseconds())
	r.UserCPUUs = uint64Ptr(userUs)
	r.SystemCPUUs = uint64Ptr(systemUs)
	r.CPUMs = uint64Ptr((userUs + systemUs) / 1000)
}

func nonNegative(v int64) uint64 {
	if v < 0 {
		return 0
	}
	return uint64(v)
}
