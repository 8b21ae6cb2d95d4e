package adapters

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFakeProcessRunnerHistory(t *testing.T) {
	ctx := context.Background()
	f := NewFakeProcessRunner()
	f.SetFallback(RunResult{})

	first := CommandSpec{
		Name:           "first",
		Argv:           []string{"prog", "arg1"},
		Cwd:            "/tmp",
		Env:            []EnvVar{{"A", "1"}, {"B", "2"}},
		Timeout:        3 * time.Second,
		OutputCapBytes: 16,
	}
	second := CommandSpec{Name: "second", Argv: []string{"other"}}
	third := CommandSpec{Argv: []string{"prog", "arg1"}}
	for _, spec := range []CommandSpec{first, second, third} {
		_, err := f.Run(ctx, spec)
		require.NoError(t, err)
	}

	want := []CommandSpec{
		{
			Name:           "first",
			Argv:           []string{"prog", "arg1"},
			Cwd:            "/tmp",
			Env:            []EnvVar{{"A", "1"}, {"B", "2"}},
			Timeout:        3 * time.Second,
			OutputCapBytes: 16,
		},
		{Name: "second", Argv: []string{"other"}},
		{Argv: []string{"prog", "arg1"}},
	}
	assert.Equal(t, want, f.History())
	assert.Equal(t, 3, f.CallCount())

	// The caller's spec is copied when Run records it.
	first.Argv[0] = "mutated"
	first.Env[0].Value = "mutated"
	assert.Equal(t, want, f.History())

	// What History returns is a copy too.
	history := f.History()
	history[0].Argv[1] = "mutated"
	history[0].Env[1] = EnvVar{"X", "Y"}
	history[1].Name = "mutated"
	history[2].Argv = append(history[2].Argv[:1], "appended")
	assert.Equal(t, want, f.History())

	// nil slices stay nil.
	assert.Nil(t, f.History()[1].Env)
}

func TestFakeProcessRunnerHistoryIsEmptyNotNil(t *testing.T) {
	var f FakeProcessRunner
	h := f.History()
	assert.NotNil(t, h)
	assert.Len(t, h, 0)
}

func TestFakeProcessRunnerWasRun(t *testing.T) {
	ctx := context.Background()
	f := NewFakeProcessRunner()
	f.SetResult([]string{"a", "b"}, RunResult{})
	_, err := f.Run(ctx, CommandSpec{Argv: []string{"a", "b"}})
	require.NoError(t, err)
	_, err = f.Run(ctx, CommandSpec{Argv: []string{"unconfigured"}})
	require.Error(t, err)

	assert.True(t, f.WasRun([]string{"a", "b"}))
	assert.True(t, f.WasRun([]string{"unconfigured"}), "failed calls count as run")
	assert.False(t, f.WasRun([]string{"a b"}))
	assert.False(t, f.WasRun([]string{"a"}))
	assert.False(t, f.WasRun([]string{"a", "b", "c"}))
	assert.False(t, f.WasRun([]string{"b", "a"}))
	assert.False(t, f.WasRun(nil))
}

func TestFakeProcessRunnerClear(t *testing.T) {
	ctx := context.Background()
	f := NewFakeProcessRunner()
	f.SetResult([]string{"r"}, RunResult{ExitCode: 1})
	f.SetError([]string{"e"}, errCustomSentinel)
	f.SetFallback(RunResult{ExitCode: 2})
	for _, argv := range [][]string{{"r"}, {"e"}, {"f"}} {
		_, _ = f.Run(ctx, CommandSpec{Argv: argv})
	}
	require.Equal(t, 3, f.CallCount())

	f.Clear()
	assert.Equal(t, 0, f.CallCount())
	assert.Empty(t, f.History())
	assert.False(t, f.WasRun([]string{"r"}))

	for _, argv := range [][]string{{"r"}, {"e"}, {"f"}} {
		got, err := f.Run(ctx, CommandSpec{Argv: argv})
		assert.Equal(t, notStarted(err), withoutCommand(got))
		require.ErrorIs(t, err, ErrNotConfigured, "argv %q", argv)
		assert.NotErrorIs(t, err, errCustomSentinel)
	}
	assert.Equal(t, 3, f.CallCount())

	// Still usable after Clear.
	f.SetResult([]string{"r"}, RunResult{ExitCode: 5})
	got, err := f.Run(ctx, CommandSpec{Argv: []string{"r"}})
	require.NoError(t, err)
	assert.Equal(t, 5, got.ExitCode)

	// Clear on a zero value is fine.
	var zero FakeProcessRunner
	zero.Clear()
	assert.Equal(t, 0, zero.CallCount())
}
