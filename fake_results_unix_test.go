//go:build unix

package adapters

import (
	"strconv"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
)

// A run ended by a signal: the fake's FakeSignaled against a real child
// killing itself with SIGTERM (a Go child turns a SIGSEGV sent to it into
// exit status 2, as its runtime handles that signal).
func TestFakeSignaledMatchesTheRealRunner(t *testing.T) {
	spec := helperSpec("kill-self", strconv.Itoa(int(syscall.SIGTERM)))
	real, faked := runBoth(t, spec, FakeSignaled(int(syscall.SIGTERM)))
	real.ResultErr, faked.ResultErr = "", "" // the fake's Err names no command
	assert.Equal(t, real, faked)
	assert.Equal(t, KindNonZeroExit, faked.Kind)
}
