// Package pathlookup resolves the program of a command the way the child
// will see it: against the command's own PATH and working directory rather
// than the caller's.
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
	// Path is the file to execute: absolute, or relative to the caller's
	// working directory when the command's Dir was relative.
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

func (f *Failure) Error() string { return f.Reason + ": " + f.Err.Error() }
func (f *Failure) Unwrap() error { return f.Err }

// Lookup resolves name for a child that will run in dir (empty: the
// caller's working directory) with the search path pathList (the value of
// its PATH variable, entries separated by filepath.ListSeparator).
//
// A name containing a path separator is a path, relative to dir when not
// absolute. Any other name is searched in pathList; like os/exec.LookPath,
// a match found through a relative PATH entry is refused with exec.ErrDot,
// so that a command never runs a file from its working directory by
// accident.
func Lookup(name, dir, pathList string) (Program, error) {
	if strings.ContainsRune(name, filepath.Separator) || strings.ContainsRune(name, '/') {
		path := name
		if !filepath.IsAbs(path) && dir != "" {
			path = filepath.Join(dir, path)
		}
		return checkExecutable(path)
	}
	for _, entry := range filepath.SplitList(pathList) {
		if entry == "" {
			entry = "."
		}
		candidate := filepath.Join(entry, name)
		if !filepath.IsAbs(entry) && dir != "" {
			candidate = filepath.Join(dir, candidate)
		}
		prog, err := checkExecutable(candidate)
		if err != nil {
			continue
		}
		if !filepath.IsAbs(entry) {
			return Program{}, &Failure{
				Reason: fmt.Sprintf("program found only through the relative PATH entry %q", entry),
				Err:    &exec.Error{Name: name, Err: exec.ErrDot},
			}
		}
		return prog, nil
	}
	return Program{}, &Failure{Reason: "program not found in PATH", Err: &exec.Error{Name: name, Err: exec.ErrNotFound}}
}

func checkExecutable(path string) (Program, error) {
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
	if !isExecutable(info) {
		return Program{}, &Failure{Reason: "program is not executable", Err: &fs.PathError{Op: "exec", Path: path, Err: fs.ErrPermission}}
	}
	return Program{Path: path, Size: info.Size()}, nil
}
