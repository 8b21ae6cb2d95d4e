package adapters

import (
	"time"

	"github.com/perfgate/adapters/internal/sysproc"
)

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

// applyRusage fills r's resource figures from u, converting units for
// goos.
func applyRusage(r *RunResult, u *sysproc.Usage, goos string) {
	applyCPU(r, u.User, u.System)
	r.MaxRSSKB = uint64Ptr(maxRSSKiB(goos, u.MaxRSSRaw))
	r.PageFaults = uint64Ptr(nonNegative(u.MajorFaults))
	r.MinorPageFaults = uint64Ptr(nonNegative(u.MinorFaults))
	voluntary, involuntary := nonNegative(u.Voluntary), nonNegative(u.Involuntary)
	r.VoluntaryCtxSwitches = uint64Ptr(voluntary)
	r.InvoluntaryCtxSwitches = uint64Ptr(involuntary)
	r.CtxSwitches = uint64Ptr(voluntary + involuntary)
	if read, ok := blockIOBytes(goos, u.InBlocks); ok {
		r.IOReadBytes = uint64Ptr(read)
	}
	if written, ok := blockIOBytes(goos, u.OutBlocks); ok {
		r.IOWriteBytes = uint64Ptr(written)
	}
}

// applyCPU fills r's CPU figures only, for platforms that give no more.
func applyCPU(r *RunResult, user, system time.Duration) {
	userUs := nonNegative(user.Microseconds())
	systemUs := nonNegative(system.Microseconds())
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
