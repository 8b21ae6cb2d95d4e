// Package procfs is the module's one reader of the Linux /proc file
// system: it opens and reads its files under an injectable root (normally
// DefaultRoot), and parses them with pure functions, in the style of
// github.com/prometheus/procfs, so that the parsers are tested on fixtures
// (testdata/procfs) on any operating system. A file read again and again,
// such as the caller's own status, is kept open (Kept).
package procfs

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"

	"github.com/perfgate/adapters/internal/decimal"
)

// DefaultRoot is where Linux mounts procfs.
const DefaultRoot = "/proc"

// Errors returned by ParseMemTotal (wrapped by MemTotalBytes); compare with
// errors.Is.
var (
	// ErrNoMemTotal means the input has no line starting "MemTotal:".
	ErrNoMemTotal = errors.New("procfs: meminfo has no MemTotal line")
	// ErrMalformedMemTotal means the MemTotal line is not "MemTotal: N kB".
	ErrMalformedMemTotal = errors.New("procfs: malformed MemTotal line")
	// ErrMemTotalOverflow means N kB does not fit in a uint64 of bytes.
	ErrMemTotalOverflow = errors.New("procfs: MemTotal overflows uint64 bytes")
)

// memTotalPrefix starts the line of /proc/meminfo that ParseMemTotal reads.
const memTotalPrefix = "MemTotal:"

// MemTotalBytes returns the total usable RAM of the machine in bytes, read
// from root/meminfo (root is normally DefaultRoot). It is the kernel's
// MemTotal: physical RAM less what firmware and the kernel image reserve,
// the figure free(1) and Rust's sysinfo report as total memory.
func MemTotalBytes(root string) (uint64, error) {
	path := filepath.Join(root, "meminfo")
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, err // *fs.PathError already names the path
	}
	n, err := ParseMemTotal(data)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", path, err)
	}
	return n, nil
}

// ParseMemTotal returns the MemTotal of the contents of a /proc/meminfo
// file in bytes. It reads the first line that starts with "MemTotal:",
// which must be, after that prefix, optional spaces or tabs, a decimal
// number N, at least one space or tab, "kB" and optional trailing spaces or
// tabs; the result is N*1024 ("kB" in meminfo means KiB). Lines are
// separated by '\n'. It never panics, whatever data holds.
func ParseMemTotal(data []byte) (uint64, error) {
	// Only the first MemTotal line counts, even if it is malformed: a later
	// one would be a different file's content, not a fix.
	if rest, ok := firstLineValue(data, memTotalPrefix); ok {
		return parseKiBValue(rest)
	}
	return 0, ErrNoMemTotal
}

// firstLineValue returns what follows prefix on the first line of data
// (lines end with '\n') that starts with prefix.
func firstLineValue(data []byte, prefix string) ([]byte, bool) {
	for line := range bytes.Lines(data) {
		if rest, ok := bytes.CutPrefix(bytes.TrimSuffix(line, []byte("\n")), []byte(prefix)); ok {
			return rest, true
		}
	}
	return nil, false
}

// parseKiBValue parses "<blanks>N<blanks>kB<blanks>" into N*1024.
func parseKiBValue(rest []byte) (uint64, error) {
	rest = trimBlanksLeft(rest)
	digits := decimal.Digits(rest)
	if digits == 0 {
		return 0, fmt.Errorf("%w: no number", ErrMalformedMemTotal)
	}
	number, unit := rest[:digits], rest[digits:]
	afterNumber := trimBlanksLeft(unit)
	if len(afterNumber) == len(unit) { // no blank between N and its unit
		return 0, fmt.Errorf("%w: want %q", ErrMalformedMemTotal, "N kB")
	}
	if string(trimBlanksRight(afterNumber)) != "kB" {
		return 0, fmt.Errorf("%w: unit is not kB", ErrMalformedMemTotal)
	}
	kib, ok := decimal.ParseUint(number)
	if !ok {
		// Only digits reach ParseUint, so the one possible error is range.
		return 0, fmt.Errorf("%w: %s kB", ErrMemTotalOverflow, number)
	}
	if kib > math.MaxUint64/1024 {
		return 0, fmt.Errorf("%w: %d kB", ErrMemTotalOverflow, kib)
	}
	return kib * 1024, nil
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' }

func trimBlanksLeft(b []byte) []byte {
	for len(b) > 0 && isBlank(b[0]) {
		b = b[1:]
	}
	return b
}

func trimBlanksRight(b []byte) []byte {
	for len(b) > 0 && isBlank(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}
