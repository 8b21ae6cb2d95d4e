package adapters

import (
	"errors"
	"io/fs"
	"os"
	"runtime"
	"syscall"

	"github.com/perfgate/adapters/internal/pathlookup"
)

// envFoldsCase reports whether environment keys are case-insensitive here.
const envFoldsCase = runtime.GOOS == "windows"

// childEnv is the environment the child gets: ours plus spec.Env, or
// with ClearEnv spec.Env alone (never nil: a nil environment would be
// inherited by os/exec and on Windows).
func childEnv(spec *CommandSpec) []string {
	if !spec.ClearEnv {
		return mergeEnv(os.Environ(), spec.Env, envFoldsCase)
	}
	env := mergeEnv([]string{}, spec.Env, envFoldsCase)
	if env == nil || len(spec.Env) == 0 {
		env = []string{}
	}
	if runtime.GOOS == "windows" {
		// As os/exec does: without SYSTEMROOT many Windows programs
		// cannot start (Winsock, the C runtime).
		if _, ok := lookupEnv(env, "SYSTEMROOT", true); !ok {
			if root, ok := os.LookupEnv("SYSTEMROOT"); ok {
				env = append(env, "SYSTEMROOT="+root)
			}
		}
	}
	return env
}

// resolve finds the program the child will execute and checks the working
// directory, so that these failures get precise errors before any spawn.
func resolve(spec *CommandSpec, env []string) (pathlookup.Program, error) {
	if spec.Cwd != "" {
		info, err := os.Stat(spec.Cwd)
		if err != nil {
			return pathlookup.Program{}, newError(KindRunCommand, spec.Argv, "cannot use working directory", err)
		}
		if !info.IsDir() {
			return pathlookup.Program{}, newError(KindRunCommand, spec.Argv, "working directory is not a directory",
				&fs.PathError{Op: "chdir", Path: spec.Cwd, Err: syscall.ENOTDIR})
		}
	}
	getenv := func(key string) (string, bool) {
		v, ok := lookupEnv(env, key, envFoldsCase)
		if !ok && spec.ClearEnv {
			// As os/exec's LookPath: the caller's PATH finds the program
			// when the child's environment has none.
			return os.LookupEnv(key)
		}
		return v, ok
	}
	prog, err := pathlookup.Lookup(spec.Argv[0], spec.Cwd, getenv)
	if err != nil {
		var failure *pathlookup.Failure
		if errors.As(err, &failure) {
			return prog, newError(KindRunCommand, spec.Argv, failure.Reason, failure.Err)
		}
		return prog, newError(KindRunCommand, spec.Argv, "cannot resolve program", err)
	}
	return prog, nil
}
