//go:build unix || windows

package adapters

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
)

// The ready-made failures are shaped as the real runner's results, checked
// against real children.
func TestFakeReadyMadeResultsMatchTheRealRunner(t *testing.T) {
	t.Run("exit", func(t *testing.T) {
		spec := helperSpec("exit", "3")
		real, faked := runBoth(t, spec, FakeExit(3))
		real.ResultErr, faked.ResultErr = "", "" // the fake's Err names no command
		assert.Equal(t, real, faked)
		assert.Equal(t, KindNonZeroExit, faked.Kind)
	})
	t.Run("exit 0", func(t *testing.T) {
		real, faked := runBoth(t, helperSpec("exit", "0"), FakeExit(0))
		assert.Equal(t, real, faked)
		assert.True(t, faked.Succeeded)
	})
	t.Run("timed out", func(t *testing.T) {
		spec := withReadyTimeout(helperSpec("ready-block"))
		real, faked := runBoth(t, spec, FakeTimedOut(spec.Timeout))
		// "killed after 52ms": the real wall is the deadline and a little.
		assert.Regexp(t, `^killed after \d+ms$`, real.Reason)
		assert.Equal(t, "killed after 50ms", faked.Reason)
		real.ResultErr, faked.ResultErr, real.Reason, faked.Reason = "", "", "", ""
		assert.Equal(t, real, faked)
		assert.Equal(t, KindTimeout, faked.Kind)
	})
	t.Run("not in PATH", func(t *testing.T) {
		spec := CommandSpec{Argv: []string{"perfgate-no-such-program", "arg"}}
		real, faked := runBoth(t, spec, FakeNotFound(spec.Argv))
		assert.Equal(t, real, faked)
		assert.True(t, faked.NotFound)
		assert.NotEmpty(t, faked.RunErr, "Run returns the error")
	})
	t.Run("no such path", func(t *testing.T) {
		spec := CommandSpec{Argv: []string{filepath.Join(t.TempDir(), "missing")}}
		real, faked := runBoth(t, spec, FakeNotFound(spec.Argv))
		assert.Equal(t, real, faked)
		assert.True(t, faked.NotExist)
	})
}
