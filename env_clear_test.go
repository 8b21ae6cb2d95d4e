//go:build unix || windows

package adapters

import (
	"context"
	"os"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// helperEnviron prints its whole environment, one entry a line, sorted.
func helperEnviron([]string) int {
	env := os.Environ()
	slices.Sort(env)
	_, err := os.Stdout.WriteString(strings.Join(env, "\n") + "\n")
	return exitCodeOf(err)
}

// ClearEnv gives the child Env alone: a clean environment.
func TestRunClearEnv(t *testing.T) {
	t.Setenv("PERFGATE_TEST_INHERITED", "yes")
	spec := helperSpec("environ")
	spec.Env = append(spec.Env, EnvVar{Key: "ONLY", Value: "this"})
	spec.ClearEnv = true
	res, err := StdProcessRunner{}.Run(context.Background(), spec)
	require.NoError(t, err)
	require.True(t, res.Succeeded(), "stderr %s", res.Stderr)
	got := strings.Split(strings.TrimSpace(string(res.Stdout)), "\n")
	want := []string{"GORACE=" + helperGORACE(), "ONLY=this", helperEnvKey + "=environ"}
	if runtime.GOOS == "windows" {
		// Windows (and Wine) give every process variables of their own
		// (per-drive "=C:" entries, SystemDrive, Wine's WINE*): the
		// caller's are what must be absent, and SYSTEMROOT, which Go keeps.
		assert.Subset(t, got, want)
		assert.True(t, slices.ContainsFunc(got, func(e string) bool {
			return strings.EqualFold(e, "SYSTEMROOT="+os.Getenv("SYSTEMROOT"))
		}), "SYSTEMROOT kept: %v", got)
		assert.False(t, slices.ContainsFunc(got, func(e string) bool { return strings.HasPrefix(e, "PERFGATE_TEST_INHERITED=") }),
			"the caller's environment is not inherited: %v", got)
	} else {
		slices.Sort(want)
		assert.Equal(t, want, got)
	}

	// Without ClearEnv the caller's environment is inherited.
	spec.ClearEnv = false
	res, err = StdProcessRunner{}.Run(context.Background(), spec)
	require.NoError(t, err)
	assert.Contains(t, string(res.Stdout), "PERFGATE_TEST_INHERITED=yes\n")
}

// The environment childEnv builds with ClearEnv and no Env is empty, not
// nil (nil would be inherited).
func TestChildEnvClearIsNeverNil(t *testing.T) {
	env := childEnv(&CommandSpec{ClearEnv: true})
	require.NotNil(t, env)
	if runtime.GOOS != "windows" {
		assert.Empty(t, env)
	}
}
