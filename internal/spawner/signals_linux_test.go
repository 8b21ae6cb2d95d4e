//go:build linux

package spawner

import (
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
)

// Nothing can ignore SIGKILL or SIGSTOP; every other signal is reproduced,
// SIGCHLD and the C library's own too.
func TestIgnorableSignals(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGKILL, syscall.SIGSTOP} {
		assert.Zero(t, ignorable&sigBit(sig), "%v", sig)
	}
	for _, sig := range []syscall.Signal{syscall.SIGCHLD, syscall.SIGHUP, syscall.SIGINT, syscall.SIGTERM, syscall.SIGPIPE,
		syscall.SIGUSR1, syscall.SIGQUIT, syscall.SIGTSTP, syscall.SIGTTOU, syscall.SIGURG, syscall.SIGSEGV,
		syscall.SIGPROF, 32, 33, 64} {
		assert.NotZero(t, ignorable&sigBit(sig), "%v", sig)
	}
	assert.Equal(t, "the caller ignores signal 9, which the spawner cannot ignore",
		fallback(ReasonSignalIgnored, unignorableWhy(sigBit(syscall.SIGTERM)|sigBit(syscall.SIGKILL))).Why())
}

func TestParseSigMask(t *testing.T) {
	for line, want := range map[string]uint64{
		"\t0000000000004003\n": 0x4003, "\tffffffffffffffff": ^uint64(0), " 0000000000000000": 0,
	} {
		got, ok := parseSigMask([]byte(line))
		assert.True(t, ok, "%q", line)
		assert.Equal(t, want, got, "%q", line)
	}
	for _, bad := range []string{"", "\t4003", "\t00000000000040030", "\t000000000000400g", "\t000000000000400F"} {
		_, ok := parseSigMask([]byte(bad))
		assert.False(t, ok, "%q", bad)
	}
}
