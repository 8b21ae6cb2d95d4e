// Package pathlookup resolves the program of a command the way the child
// will see it: against the command's own PATH (and, on Windows, PATHEXT)
// and working directory rather than the caller's.
//
// The search itself (LookupRules) is pure logic over the file system with
// the platform's rules passed in, so Windows' rules are tested on Linux
// too; Lookup applies the rules of the platform the program runs on.
package pathlookup

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
)

// Program is a resolved program file.
type Program struct {
	// Path is the file to execute, always absolute: a path relative to
	// the caller's directory would mean another file once the child has
	// changed to a relative Dir (syscall.StartProcess changes directory
	// before it executes the path). On Windows it carries the PATHEXT
	// extension that was found ("prog" resolves to `C:\bin\prog.exe`).
	Path string
	// Size is the file's size in bytes (of the target, for a symbolic link).
	Size int64
}

// Failure explains why a program could not be resolved. Reason is a short
// phrase for people; Err is an error from the fs, exec or syscall packages
// so that errors.Is(err, fs.ErrNotExist), exec.ErrNotFound,
// fs.ErrPermission or exec.ErrDot hold where they apply.
type Failure struct {
	Reason string
	Err    error
}

// Error returns the reason followed by the underlying error.
func (f *Failure) Error() string { return f.Reason + ": " + f.Err.Error() }

// Unwrap returns the underlying error.
func (f *Failure) Unwrap() error { return f.Err }

// Lookup resolves name for a child that will run in dir (empty: the
// caller's working directory) with the rules of the platform this program
// runs on (HostRules). getenv reads the child's environment: its PATH
// (entries separated by filepath.ListSeparator) and, on Windows, its
// PATHEXT and NoDefaultCurrentDirectoryInExePath.
func Lookup(name, dir string, getenv func(key string) (string, bool)) (Program, error) {
	pathList, _ := getenv("PATH")
	return LookupRules(name, dir, pathList, HostRules(getenv))
}

// LookupRules resolves name for a child that will run in dir (empty: the
// caller's working directory) with the search path pathList, following
// rules.
//
// A name containing a path separator (on Windows also ':') is a path,
// relative to dir when not absolute. Any other name is searched in
// pathList; like os/exec.LookPath, a match found through a relative PATH
// entry, or on Windows in the working directory, is refused with
// exec.ErrDot, so that a command never runs a file from its working
// directory by accident. On Windows a name is also tried with each PATHEXT
// extension, in the order os/exec.LookPath tries them.
func LookupRules(name, dir, pathList string, rules Rules) (Program, error) {
	prog, err := lookup(name, dir, pathList, rules)
	if err != nil || filepath.IsAbs(prog.Path) {
		return prog, err
	}
	abs, err := filepath.Abs(prog.Path)
	if err != nil {
		return Program{}, &Failure{Reason: "cannot make the program path absolute", Err: err}
	}
	prog.Path = abs
	return prog, nil
}

func lookup(name, dir, pathList string, rules Rules) (Program, error) {
	if rules.isPath(name) {
		path := name
		if !filepath.IsAbs(path) && dir != "" {
			path = filepath.Join(dir, path)
		}
		return rules.find(path)
	}
	// Windows looks in the working directory before PATH. As in os/exec,
	// what is found there is refused (ErrDot) unless the first PATH match
	// is the very same file.
	var inDot *Program
	if rules.DotFirst {
		candidate := name
		if dir != "" {
			candidate = filepath.Join(dir, name)
		}
		if prog, err := rules.find(candidate); err == nil {
			inDot = &prog
		}
	}
	for _, entry := range filepath.SplitList(pathList) {
		if entry == "" {
			if rules.Windows {
				// Skipped, as os/exec and PowerShell do on Windows.
				continue
			}
			entry = "."
		}
		candidate := filepath.Join(entry, name)
		if !filepath.IsAbs(entry) && dir != "" {
			candidate = filepath.Join(dir, candidate)
		}
		prog, err := rules.find(candidate)
		if err != nil {
			continue
		}
		if inDot != nil && !sameFile(inDot.Path, prog.Path) {
			return Program{}, dotFailure(name)
		}
		if !filepath.IsAbs(entry) {
			return Program{}, &Failure{
				Reason: fmt.Sprintf("program found only through the relative PATH entry %q", entry),
				Err:    &exec.Error{Name: name, Err: exec.ErrDot},
			}
		}
		return prog, nil
	}
	if inDot != nil {
		return Program{}, dotFailure(name)
	}
	return Program{}, &Failure{Reason: "program not found in PATH", Err: &exec.Error{Name: name, Err: exec.ErrNotFound}}
}

func dotFailure(name string) error {
	return &Failure{
		Reason: "program found only in the working directory",
		Err:    &exec.Error{Name: name, Err: exec.ErrDot},
	}
}

// find resolves one candidate path: the file itself, or on Windows the
// file with a PATHEXT extension added.
func (r Rules) find(path string) (Program, error) {
	if !r.Windows || len(r.Exts) == 0 {
		return r.check(path)
	}
	// os/exec's order: the name as given when it has an extension, then
	// each PATHEXT extension appended, so "foo.bat" may resolve to
	// "foo.bat.exe".
	if hasExt(path) {
		if prog, err := r.check(path); err == nil {
			return prog, nil
		}
	}
	for _, ext := range r.Exts {
		if prog, err := r.check(path + ext); err == nil {
			return prog, nil
		}
	}
	// Nothing to run: explain it in terms of the name as given.
	if _, err := r.check(path); err != nil {
		return Program{}, err
	}
	// A regular file without an extension: Windows runs nothing by that
	// name (nor does os/exec).
	return Program{}, &Failure{
		Reason: "program is not executable (no PATHEXT extension)",
		Err:    &fs.PathError{Op: "exec", Path: path, Err: fs.ErrPermission},
	}
}

// check stats path and says whether it can be executed under r.
func (r Rules) check(path string) (Program, error) {
	info, err := os.Stat(path)
	if err != nil {
		reason := "cannot access program"
		if errors.Is(err, fs.ErrNotExist) {
			reason = "program does not exist"
		}
		return Program{}, &Failure{Reason: reason, Err: err}
	}
	if info.IsDir() {
		return Program{}, &Failure{Reason: "program is a directory", Err: &fs.PathError{Op: "exec", Path: path, Err: syscall.EISDIR}}
	}
	// Unix: any execute bit. Whether this user may execute it is left to
	// the exec call, which says so precisely. Windows has no execute bits:
	// the extension decides (see find).
	if !r.Windows && info.Mode().Perm()&0o111 == 0 {
		return Program{}, &Failure{Reason: "program is not executable", Err: &fs.PathError{Op: "exec", Path: path, Err: fs.ErrPermission}}
	}
	return Program{Path: path, Size: info.Size()}, nil
}

func sameFile(a, b string) bool {
	ai, errA := os.Stat(a)
	bi, errB := os.Stat(b)
	return errA == nil && errB == nil && os.SameFile(ai, bi)
}

// hasExt reports whether the last element of path has an extension, as
// os/exec decides it on Windows.
func hasExt(path string) bool {
	i := strings.LastIndex(path, ".")
	return i >= 0 && strings.LastIndexAny(path, `:\/`) < i
}
