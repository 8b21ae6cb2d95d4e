//go:build linux

package adapters

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
)

// callerState is the inheritable state of the caller at one moment.
type callerState struct {
	// status holds the lines of /proc/self/status named in statusKeys.
	status []byte
	cgroup []byte
	// rlimits are the caller's own limits. Go raises its soft
	// RLIMIT_NOFILE at start and gives children the original; both the
	// spawner and a direct child get that original, so the raised value
	// is compared like any other.
	rlimits [rlimitCount]unix.Rlimit
}

// rlimitCount is RLIMIT_NLIMITS: the resources getrlimit knows.
const rlimitCount = 16

// statusKeys are the lines of /proc/self/status that a child inherits,
// with what they are called in a fallback note.
var statusKeys = []struct{ key, what string }{
	{"Umask:", "umask"},
	{"Uid:", "credentials"}, {"Gid:", "credentials"}, {"Groups:", "credentials"},
	{"CapInh:", "credentials"}, {"CapPrm:", "credentials"}, {"CapEff:", "credentials"},
	{"CapBnd:", "credentials"}, {"CapAmb:", "credentials"},
	{"NoNewPrivs:", "credentials"}, {"Seccomp:", "credentials"},
}

// Descriptors of the caller's /proc files, opened once above stdio and
// read with pread: cheaper than an open per run.
var (
	procSelfStatus = cachedOpen("/proc/self/status", unix.O_RDONLY)
	procSelfCgroup = cachedOpen("/proc/self/cgroup", unix.O_RDONLY)
)

// readCallerState reads the caller's inheritable state.
func readCallerState() (callerState, error) {
	var st callerState
	var buf [4096]byte
	data, err := preadProc(procSelfStatus, buf[:])
	if err != nil {
		return st, err
	}
	st.status = []byte{'\n'} // so that statusLine finds the first line too
	for _, k := range statusKeys {
		st.status = append(st.status, statusLine(data, k.key)...)
	}
	data, err = preadProc(procSelfCgroup, buf[:])
	if err != nil {
		return st, err
	}
	st.cgroup = append([]byte(nil), data...)
	for i := range st.rlimits {
		if err := unix.Getrlimit(i, &st.rlimits[i]); err != nil && err != unix.EINVAL {
			return st, err
		}
	}
	return st, nil
}

// preadProc reads a whole /proc file through a kept descriptor; a file
// longer than buf is read into a larger buffer.
func preadProc(open func() (int, error), buf []byte) ([]byte, error) {
	fd, err := open()
	if err != nil {
		return nil, err
	}
	for {
		n, err := ignoringEINTRIO(func() (int, error) { return unix.Pread(fd, buf, 0) })
		if err != nil {
			return nil, err
		}
		if n < len(buf) {
			return buf[:n], nil
		}
		buf = make([]byte, 2*len(buf))
	}
}

// statusLine returns the line of data that starts with key, its newline
// included; nil when there is none (an older kernel).
func statusLine(data []byte, key string) []byte {
	i := bytes.Index(data, []byte("\n"+key))
	if i < 0 {
		return nil
	}
	line := data[i+1:]
	if j := bytes.IndexByte(line, '\n'); j >= 0 {
		line = line[:j+1]
	}
	return line
}

// changedSince says what of the caller's state differs from old: "" when
// nothing does, else a phrase for the note ("credentials", "umask",
// "resource limits", "cgroup", or that it could not be read).
func (old *callerState) changedSince() string {
	cur, err := readCallerState()
	switch {
	case err != nil:
		return "state could not be read (" + err.Error() + ")"
	case !bytes.Equal(cur.status, old.status):
		for _, k := range statusKeys {
			if !bytes.Equal(statusLine(cur.status, k.key), statusLine(old.status, k.key)) {
				return k.what
			}
		}
		return "credentials"
	case cur.rlimits != old.rlimits:
		return "resource limits"
	case !bytes.Equal(cur.cgroup, old.cgroup):
		return "cgroup"
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
