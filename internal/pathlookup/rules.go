package pathlookup

import (
	"path/filepath"
	"strings"
)

// Rules are a platform's rules for finding the file a program name means.
// The zero value is Unix's.
type Rules struct {
	// Windows selects Windows' semantics: a name containing ':', '\' or
	// '/' is a path; a file needs no execute bit (Windows has none, the
	// extension decides); empty PATH entries are skipped rather than
	// meaning ".".
	Windows bool
	// Exts are the extensions tried after a name, in order, each lower
	// case with its leading dot (Windows: PATHEXT). Empty on Windows means
	// a name is used only as it is, as os/exec does.
	Exts []string
	// DotFirst searches the working directory for a bare name before PATH
	// (Windows, unless NoDefaultCurrentDirectoryInExePath is set). A match
	// there is refused with exec.ErrDot unless the first PATH match is the
	// same file.
	DotFirst bool
}

// UnixRules are the rules of every platform but Windows: a name with '/'
// is a path, a program needs an execute bit, an empty PATH entry is ".".
var UnixRules = Rules{}

// DefaultPathExt is the extension list Windows (and os/exec) uses when
// PATHEXT is unset or empty.
const DefaultPathExt = ".COM;.EXE;.BAT;.CMD"

// WindowsRules returns Windows' rules for a child whose PATHEXT is pathext
// ("" when unset) and for which noDefaultCurrentDirectory says whether
// NoDefaultCurrentDirectoryInExePath is set (with any value, even empty).
// PATHEXT is read as os/exec reads it: split at ';', lower-cased, a dot
// added where it is missing, empty entries dropped.
func WindowsRules(pathext string, noDefaultCurrentDirectory bool) Rules {
	if pathext == "" {
		pathext = DefaultPathExt
	}
	var exts []string
	for e := range strings.SplitSeq(strings.ToLower(pathext), ";") {
		if e == "" {
			continue
		}
		if e[0] != '.' {
			e = "." + e
		}
		exts = append(exts, e)
	}
	return Rules{Windows: true, Exts: exts, DotFirst: !noDefaultCurrentDirectory}
}

// isPath reports whether name is a path rather than a name to search.
func (r Rules) isPath(name string) bool {
	if r.Windows {
		return strings.ContainsAny(name, `:\/`)
	}
	return strings.ContainsRune(name, filepath.Separator) || strings.ContainsRune(name, '/')
}
