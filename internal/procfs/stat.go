package procfs

import (
	"bytes"
	"errors"

	"github.com/perfgate/adapters/internal/decimal"
)

// ErrMalformedStat means the input is not a /proc/PID/stat line with an
// rss field.
var ErrMalformedStat = errors.New("procfs: malformed stat")

// statRSSField is the position of rss among the fields that follow the
// command name's closing parenthesis in /proc/PID/stat: the name is field
// 2, state field 3, ..., rss field 24 (proc(5)).
const statRSSField = 24 - 3

// ParseStatRSSPages returns the rss field of the contents of a
// /proc/PID/stat file: the resident set in pages, as the kernel's
// get_mm_rss reads it. Unlike VmRSS of /proc/PID/status, which recent
// kernels sum exactly, it is the very reading that exec folds into a vfork
// child's ru_maxrss and getrusage reports (docs/peak.md). The command
// name may hold spaces and parentheses, so the fields are counted from the
// last ')'. It never panics, whatever data holds.
func ParseStatRSSPages(data []byte) (uint64, error) {
	end := bytes.LastIndexByte(data, ')')
	if end < 0 {
		return 0, ErrMalformedStat
	}
	fields := bytes.Fields(data[end+1:])
	if len(fields) <= statRSSField {
		return 0, ErrMalformedStat
	}
	pages, ok := decimal.ParseUint(fields[statRSSField])
	if !ok {
		return 0, ErrMalformedStat
	}
	return pages, nil
}
