package procfs

import (
	"bytes"
	"strconv"
	"strings"
)

// Mount is one line of /proc/PID/mountinfo (proc(5)): the root of the
// mount within its file system (field 4: "/" normally, a directory for a
// bind mount), where it is mounted (field 5), the file system type, and
// whether "ro" is among its mount options (field 6).
type Mount struct {
	Root, Point, FSType string
	ReadOnly            bool
}

// Mounts returns the mounts of process pid under root ("self": the
// caller's mount namespace).
func Mounts(root, pid string) ([]Mount, error) {
	data, err := ReadFile(root, pid, "mountinfo")
	if err != nil {
		return nil, err
	}
	return ParseMountInfo(data), nil
}

// ParseMountInfo parses the contents of a mountinfo file: lines of
// "ID PARENT MAJ:MIN ROOT POINT OPTIONS [OPTIONAL...] - TYPE SOURCE
// SUPER". A line without the "-" separator after its sixth field, or
// without TYPE, SOURCE and SUPER after it, is skipped: the kernel writes
// none. The \ooo escapes of ROOT and POINT are undone. It never panics,
// whatever data holds.
func ParseMountInfo(data []byte) []Mount {
	var out []Mount
	for line := range bytes.Lines(data) {
		fields := strings.Fields(string(line))
		for i := 6; i < len(fields); i++ {
			if fields[i] != "-" {
				continue
			}
			if i+3 < len(fields) {
				readOnly := false
				for opt := range strings.SplitSeq(fields[5], ",") {
					readOnly = readOnly || opt == "ro"
				}
				out = append(out, Mount{Root: unescapeOctal(fields[3]), Point: unescapeOctal(fields[4]),
					FSType: fields[i+1], ReadOnly: readOnly})
			}
			break
		}
	}
	return out
}

// unescapeOctal undoes mountinfo's \ooo escapes of space, tab, newline
// and backslash.
func unescapeOctal(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
