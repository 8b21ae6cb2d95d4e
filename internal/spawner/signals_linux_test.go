//go:build linux

package spawner

import (
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
)

// The spawner never ignores SIGCHLD (it reaps with wait4) nor a signal
// the Go runtime keeps for itself: a request asking for one is an error,
// and a caller that ignores one spawns directly, saying why.
func TestIgnorableSignals(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGCHLD, syscall.SIGKILL, syscall.SIGSTOP, syscall.SIGSEGV,
		syscall.SIGPROF, 32} {
		assert.Zero(t, ignorable&sigBit(sig), "%v", sig)
		q := sampleRequest()
		q.Ignored |= sigBit(sig)
		_, err := decodeRequest(q.encode())
		assert.ErrorIs(t, err, errBadMessage, "%v", sig)
	}
	for _, sig := range []syscall.Signal{syscall.SIGHUP, syscall.SIGINT, syscall.SIGTERM, syscall.SIGPIPE,
		syscall.SIGUSR1, syscall.SIGQUIT, syscall.SIGTSTP, syscall.SIGTTOU, syscall.SIGURG, 64} {
		assert.NotZero(t, ignorable&sigBit(sig), "%v", sig)
	}
	assert.Equal(t, "the caller ignores SIGCHLD (the spawner reaps its children with wait4)",
		fallback(ReasonSignalIgnored, unignorableWhy(sigBit(syscall.SIGTERM)|sigBit(syscall.SIGCHLD))).Why())
	assert.Equal(t, "signal 33, which the spawner cannot ignore", unignorableWhy(sigBit(33)|sigBit(syscall.SIGHUP)))
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
