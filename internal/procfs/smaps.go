package procfs

import (
	"bytes"
	"strconv"
)

// Mapping is one mapping of /proc/PID/smaps: its address range, its
// permissions, the file it maps (if any) and whether any of its pages hold
// a private copy (anonymous or privately dirtied), which dropping them
// would lose.
type Mapping struct {
	Start, End uint64
	// Perms is the four-letter permission field, such as "r-xp".
	Perms string
	// Inode is the mapped file's inode, 0 for an anonymous mapping.
	Inode uint64
	// Path is the mapped file's path, or a pseudo-name such as "[heap]",
	// or empty.
	Path string
	// Private says that the mapping has Anonymous or Private_Dirty pages.
	Private bool
}

// ReadOnlyFile reports whether m maps a file read-only: its pages are the
// page cache's, and dropping them from the resident set loses nothing
// unless Private is set.
func (m *Mapping) ReadOnlyFile() bool {
	return len(m.Perms) == 4 && m.Perms[0] == 'r' && m.Perms[1] == '-' && m.Inode != 0 &&
		len(m.Path) > 0 && m.Path[0] == '/'
}

// ParseSmaps parses the contents of /proc/PID/smaps. A header line that
// cannot be parsed ends the mapping before it; its detail lines are
// skipped.
func ParseSmaps(data []byte) []Mapping {
	var maps []Mapping
	var cur *Mapping
	for line := range bytes.Lines(data) {
		fields := bytes.Fields(line)
		if m, ok := parseSmapsHeader(fields); ok {
			maps = append(maps, m)
			cur = &maps[len(maps)-1]
			continue
		}
		if cur == nil || len(fields) < 2 {
			continue
		}
		if key := string(fields[0]); (key == "Anonymous:" || key == "Private_Dirty:") && string(fields[1]) != "0" {
			cur.Private = true
		}
	}
	return maps
}

// parseSmapsHeader parses "START-END PERMS OFFSET DEV INODE [PATH]".
func parseSmapsHeader(fields [][]byte) (Mapping, bool) {
	if len(fields) < 5 || len(fields[1]) != 4 || bytes.HasSuffix(fields[0], []byte(":")) {
		return Mapping{}, false
	}
	lo, hi, ok := bytes.Cut(fields[0], []byte("-"))
	if !ok {
		return Mapping{}, false
	}
	start, errLo := strconv.ParseUint(string(lo), 16, 64)
	end, errHi := strconv.ParseUint(string(hi), 16, 64)
	inode, errInode := strconv.ParseUint(string(fields[4]), 10, 64)
	if errLo != nil || errHi != nil || errInode != nil || end < start {
		return Mapping{}, false
	}
	m := Mapping{Start: start, End: end, Perms: string(fields[1]), Inode: inode}
	if len(fields) >= 6 {
		m.Path = string(bytes.Join(fields[5:], []byte(" ")))
	}
	return m, true
}
