//go:build !windows

package pathlookup

import "io/fs"

// isExecutable reports whether any execute bit is set. Whether this user
// may execute it is left to the exec call, which says so precisely.
func isExecutable(info fs.FileInfo) bool { return info.Mode().Perm()&0o111 != 0 }
