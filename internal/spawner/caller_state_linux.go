//go:build linux

package spawner

// What a child inherits from the process that spawns it, compared between
// the caller now and the caller when it started the spawner (which
// inherited that state then): credentials, umask, resource limits and
// cgroup. A run whose caller has changed any of them since is spawned
// directly, for through the spawner its child would get the old state,
// possibly more privilege than the caller now has.

import (
	"bytes"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/perfgate/adapters/internal/procfs"
)

// callerState is the inheritable state of the caller at one moment.
type callerState struct {
	// status holds the lines of /proc/self/status named in statusKeys.
	status []byte
	// files holds the whole of each of comparedFiles, in its order.
	files [2][]byte
}

// statusKeys are the lines of /proc/self/status that a child inherits,
// each with the newline before it, and what they are called in a
// fallback note.
var statusKeys = []struct {
	key  []byte
	what string
}{
	{[]byte("\nUmask:"), "umask"},
	{[]byte("\nUid:"), "credentials"}, {[]byte("\nGid:"), "credentials"}, {[]byte("\nGroups:"), "credentials"},
	{[]byte("\nCapInh:"), "credentials"}, {[]byte("\nCapPrm:"), "credentials"}, {[]byte("\nCapEff:"), "credentials"},
	{[]byte("\nCapBnd:"), "credentials"}, {[]byte("\nCapAmb:"), "credentials"},
	{[]byte("\nNoNewPrivs:"), "credentials"}, {[]byte("\nSeccomp:"), "credentials"},
	// A filter added in filter mode changes only the count (Linux 5.9+).
	{[]byte("\nSeccomp_filters:"), "credentials"},
}

// procSelfStatus is the caller's /proc/self/status, kept open above stdio
// and read with pread: cheaper than an open per run.
var procSelfStatus = procfs.Keep(procfs.DefaultRoot, "self", "status")

// comparedFiles are the files of /proc/self compared whole, kept open as
// procSelfStatus, and what they are called in a fallback note. limits
// holds every resource limit in one read, where getrlimit takes a system
// call each. Go raises its soft RLIMIT_NOFILE at start and gives children
// the original; both the spawner and a direct child get that original, so
// the raised value is compared like any other.
var comparedFiles = [len(callerState{}.files)]struct {
	name string
	file *procfs.Kept
	what string
}{
	{"limits", procfs.Keep(procfs.DefaultRoot, "self", "limits"), "resource limits"},
	{"cgroup", procfs.Keep(procfs.DefaultRoot, "self", "cgroup"), "cgroup"},
}

// readCallerState reads the caller's inheritable state.
func readCallerState() (callerState, error) {
	var st callerState
	err := procSelfStatus.Read(func(data []byte) error {
		for _, k := range statusKeys {
			st.status = append(st.status, statusLine(data, k.key)...)
		}
		return nil
	})
	for i := range comparedFiles {
		if err != nil {
			break
		}
		err = comparedFiles[i].file.Read(func(data []byte) error { st.files[i] = bytes.Clone(data); return nil })
	}
	return st, err
}

// statusLine returns the line of data that starts with key (which
// begins with a newline), with the newline before it; nil when there is
// none (an older kernel).
func statusLine(data, key []byte) []byte {
	i := bytes.Index(data, key)
	if i < 0 {
		return nil
	}
	line := data[i:]
	if j := bytes.IndexByte(line[1:], '\n'); j >= 0 {
		line = line[:j+1]
	}
	return line
}

// changedSince says what of the caller's state differs from old: "" when
// nothing does, else a phrase for the note ("credentials", "umask",
// "resource limits", "cgroup", or that it could not be read). It also
// returns the signals the caller ignores now (its SigIgn), which the
// spawner reproduces rather than compares. It runs before every run, so
// it compares in place, allocating nothing.
func (old *callerState) changedSince() (what string, ignored uint64) {
	err := procSelfStatus.Read(func(data []byte) error {
		for _, k := range statusKeys {
			if !bytes.Equal(statusLine(data, k.key), statusLine(old.status, k.key)) {
				what = k.what
				return nil
			}
		}
		var ok bool
		if ignored, ok = parseSigMask(statusValue(data, sigIgnKey)); !ok {
			what = "state could not be read (no SigIgn line)"
		}
		return nil
	})
	switch {
	case err != nil:
		return "state could not be read (" + err.Error() + ")", 0
	case what != "":
		return what, 0
	}
	return old.changedFiles(), ignored
}

// sigIgnKey opens the SigIgn line of /proc/PID/status.
var sigIgnKey = []byte("\nSigIgn:")

// statusValue is what follows key on its line of data.
func statusValue(data, key []byte) []byte {
	return bytes.TrimPrefix(statusLine(data, key), key)
}

// changedFiles compares comparedFiles with old's.
func (old *callerState) changedFiles() string {
	for i := range comparedFiles {
		f := &comparedFiles[i]
		same := false
		err := f.file.Read(func(data []byte) error { same = bytes.Equal(data, old.files[i]); return nil })
		if err != nil {
			return "state could not be read (" + err.Error() + ")"
		}
		if !same {
			return f.what
		}
	}
	return ""
}

// childDir is the directory the child starts in, absolute: the spawner's
// own working directory is the caller's of long ago, so an empty or
// relative Cwd is resolved against the caller's now. It is joined, not
// cleaned: "link/.." must mean what chdir makes of it.
func childDir(cwd string) (string, error) {
	if strings.HasPrefix(cwd, "/") {
		return cwd, nil
	}
	wd, err := unix.Getwd()
	if err != nil || cwd == "" {
		return wd, err
	}
	return strings.TrimSuffix(wd, "/") + "/" + cwd, nil
}
