package main

import (
	"errors"
	"io/fs"
	"os/exec"
	"path/filepath"

	"github.com/perfgate/adapters"
)

// startFailureStatus is the exit status for an error Run returned before
// the program ran, as shells and GNU time give it: 127 when the program
// cannot be found (not in PATH, no such file, or found only in the
// working directory, which os/exec refuses), 126 when it exists but
// cannot be executed (no execute permission, a directory, an exec format
// error), and 1 for anything else, among them a -cwd that cannot be used:
// that is not the program's fault. cwd is -cwd.
func startFailureStatus(err error, cwd string) int {
	if !errors.Is(err, adapters.ErrRunCommand) || isCwdError(err, cwd) {
		return exitFailed
	}
	var pathErr *fs.PathError
	switch {
	case errors.Is(err, exec.ErrNotFound), errors.Is(err, exec.ErrDot), errors.Is(err, fs.ErrNotExist):
		return exitNotFound
	case errors.Is(err, fs.ErrPermission):
		return exitCannotExec
	case errors.As(err, &pathErr) && pathErr.Op == "exec":
		// The library's own start errors: the file was found and the
		// operating system would not execute it (ENOEXEC, EISDIR, ...).
		return exitCannotExec
	}
	return exitFailed
}

// isCwdError reports whether err is about the working directory cwd
// rather than the program: the library stats and enters it first.
func isCwdError(err error, cwd string) bool {
	var pathErr *fs.PathError
	return cwd != "" && errors.As(err, &pathErr) && filepath.Clean(pathErr.Path) == filepath.Clean(cwd)
}
