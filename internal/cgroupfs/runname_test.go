package cgroupfs_test

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/perfgate/adapters/internal/cgroupfs"
)

func TestParseRunName(t *testing.T) {
	for name, want := range map[string]int{
		"perfgate-1-1":                     1,
		"perfgate-4242-17":                 4242,
		"perfgate-4194304-1":               cgroupfs.MaxPID,
		"perfgate-77-18446744073709551615": 77,
	} {
		pid, ok := cgroupfs.ParseRunName(name)
		assert.True(t, ok, name)
		assert.Equal(t, want, pid, name)
	}
	for _, name := range []string{
		"", "perfgate-", "perfgate-1", "perfgate-1-", "perfgate--1", "perfgate-1--1",
		"perfgate-0-1", "perfgate-1-0", "perfgate-01-1", "perfgate-1-01", "perfgate-+1-1",
		"perfgate-1-1-1", "perfgate-1-1 ", " perfgate-1-1", "perfgate-1-1\n", "xperfgate-1-1",
		"Perfgate-1-1", "perfgate_1_1", "perfgate-4194305-1", "perfgate-1-18446744073709551616",
		"perfgate-99999999999999999999-1", "perfgate-1-1.scope", "perfgate-a-1", "perfgate-1-b",
		"perfgate-test-1-1",
	} {
		pid, ok := cgroupfs.ParseRunName(name)
		assert.False(t, ok, "%q", name)
		assert.Zero(t, pid, "%q", name)
	}
	for pid := 1; pid <= cgroupfs.MaxPID; pid = pid*7 + 3 {
		got, ok := cgroupfs.ParseRunName(cgroupfs.RunName(pid, uint64(pid)*13+1))
		assert.True(t, ok, "%d", pid)
		assert.Equal(t, pid, got)
	}
}

// Every name RunName writes parses back to its pid, and every name that
// parses is one RunName writes: the cleaner takes for a run's cgroup only
// what a runner would have made.
func FuzzParseRunName(f *testing.F) {
	for _, s := range []string{"perfgate-1-1", "perfgate-01-1", "perfgate-1-1-1", "perfgate-4194305-1", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		pid, ok := cgroupfs.ParseRunName(name)
		if !ok {
			assert.Zero(t, pid)
			return
		}
		assert.True(t, pid >= 1 && pid <= cgroupfs.MaxPID, "pid %d of %q", pid, name)
		seq := name[len("perfgate-"+strconv.Itoa(pid)+"-"):]
		n, err := strconv.ParseUint(seq, 10, 64)
		assert.NoError(t, err, "%q", name)
		assert.Equal(t, name, cgroupfs.RunName(pid, n))
	})
}
