// Package decimal parses the unsigned decimal numbers of kernel interface
// files (/proc, cgroupfs, sysfs): ASCII digits only, with no sign, blank,
// base prefix or digit separator, at most what a uint64 holds.
package decimal

import "strconv"

// ParseUint parses b, which must be one or more ASCII digits whose value
// fits in a uint64; ok is false otherwise.
func ParseUint(b []byte) (n uint64, ok bool) {
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

// Digits returns the length of the run of ASCII digits at the start of b.
func Digits(b []byte) int {
	n := 0
	for n < len(b) && '0' <= b[n] && b[n] <= '9' {
		n++
	}
	return n
}
