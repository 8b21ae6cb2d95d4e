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

func init() { registerHelper("environ", helperEnviron) }

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
		want = append(want, "SYSTEMROOT="+os.Getenv("SYSTEMROOT"))
		got = slices.DeleteFunc(got, func(e string) bool { return strings.HasPrefix(e, "=") }) // per-drive entries
	}
	slices.Sort(want)
	assert.Equal(t, want, got)

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
