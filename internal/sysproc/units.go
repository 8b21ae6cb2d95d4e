package sysproc

// MaxRSSKiB converts a raw ru_maxrss to KiB: macOS and iOS report bytes,
// Linux and the BSDs report KiB.
func MaxRSSKiB(goos string, raw int64) uint64 {
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

// BlockIOBytes converts ru_inblock/ru_oublock to bytes where that is
// exact. Linux counts 512-byte units (the task's read_bytes and
// write_bytes divided by 512); the BSDs and macOS count I/O operations of
// unknown size, so no byte figure can be given there.
func BlockIOBytes(goos string, blocks int64) (uint64, bool) {
	if goos != "linux" && goos != "android" {
		return 0, false
	}
	if blocks < 0 {
		return 0, false
	}
	return uint64(blocks) * 512, true
}
