package cgroupfs

import (
	"strconv"

	"github.com/perfgate/adapters/internal/decimal"
)

// The name of a run's cgroup, perfgate-PID-SEQ: PID is the process that
// made it, SEQ that process's count of the cgroups it made. Both are
// written by strconv, so a name another program made up (leading zeros, a
// sign, a suffix) never parses and is never taken for a run's cgroup.

// runNamePrefix starts the name of every run's cgroup.
const runNamePrefix = "perfgate-"

// MaxPID is the largest pid Linux can give (PID_MAX_LIMIT, 2^22 on 64-bit
// kernels): a name with a larger one was not made by a runner.
const MaxPID = 1 << 22

// RunName is the name of the cgroup that process pid makes for its run
// number seq.
func RunName(pid int, seq uint64) string {
	return runNamePrefix + strconv.Itoa(pid) + "-" + strconv.FormatUint(seq, 10)
}

// ParseRunName returns the pid of the process that made the run cgroup
// called name, and false when name is not exactly what RunName writes for
// a pid from 1 to MaxPID and a seq from 1: a cleaner may then remove it
// only once that process is gone.
func ParseRunName(name string) (pid int, ok bool) {
	if len(name) <= len(runNamePrefix) || name[:len(runNamePrefix)] != runNamePrefix {
		return 0, false
	}
	rest := name[len(runNamePrefix):]
	dash := -1
	for i := 0; i < len(rest); i++ {
		if rest[i] == '-' {
			dash = i
			break
		}
	}
	if dash < 0 {
		return 0, false
	}
	p, okP := canonicalUint(rest[:dash])
	seq, okS := canonicalUint(rest[dash+1:])
	if !okP || !okS || p == 0 || p > MaxPID || seq == 0 {
		return 0, false
	}
	return int(p), true
}

// canonicalUint parses s when it is a decimal number as strconv writes
// it: digits only, no leading zero (but "0" itself), at most uint64.
func canonicalUint(s string) (uint64, bool) {
	if len(s) > 1 && s[0] == '0' {
		return 0, false
	}
	return decimal.ParseUint([]byte(s))
}
