//go:build windows

package pathlookup

import "io/fs"

// isExecutable accepts any regular file: Windows decides by extension
// (PATHEXT), which the caller handles when it builds the name.
func isExecutable(info fs.FileInfo) bool { return info.Mode().IsRegular() }
