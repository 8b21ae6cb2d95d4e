package adapters

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFakeProcessRunnerZeroValueIsUsable(t *testing.T) {
	var f FakeProcessRunner
	assert.Equal(t, 0, f.CallCount())
	assert.Empty(t, f.History())
	assert.False(t, f.WasRun([]string{"true"}))

	want := RunResult{WallMs: 5, Wall: 5 * time.Millisecond, ExitCode: 3}
	f.SetResult([]string{"true"}, want)
	got, err := f.Run(context.Background(), CommandSpec{Argv: []string{"true"}})
	require.NoError(t, err)
	assert.Equal(t, want, got)
	assert.Equal(t, 1, f.CallCount())
}

func TestNewFakeProcessRunner(t *testing.T) {
	f := NewFakeProcessRunner()
	require.NotNil(t, f)
	assert.Equal(t, 0, f.CallCount())
	var runner ProcessRunner = f
	_, err := runner.Run(context.Background(), CommandSpec{Argv: []string{"x"}})
	assert.ErrorIs(t, err, ErrNotConfigured)
}

func TestFakeProcessRunnerUnconfiguredArgv(t *testing.T) {
	f := NewFakeProcessRunner()
	got, err := f.Run(context.Background(), CommandSpec{Argv: []string{"a b"}})
	require.Error(t, err)
	assert.Equal(t, notStarted(err), withoutCommand(got))
	assert.ErrorIs(t, err, ErrNotConfigured)
	for _, real := range []error{ErrRunCommand, ErrInvalidSpec, ErrEmptyArgv, ErrKilled, ErrStdinRead} {
		assert.NotErrorIs(t, err, real, "no real run fails this way")
	}
	var ae *AdapterError
	assert.False(t, errors.As(err, &ae), "not an *AdapterError: no real run fails this way")
	assert.Equal(t, `fake: no outcome configured: ["a b"] (nothing is configured)`, err.Error())

	// Several arguments and quotes are named unambiguously, next to what
	// is configured: a typo shows.
	f.SetResult([]string{"make", "--release"}, RunResult{})
	_, err = f.Run(context.Background(), CommandSpec{Argv: []string{"echo", `say "hi"`}})
	assert.EqualError(t, err, `fake: no outcome configured: ["echo" "say \"hi\""] (configured: ["make" "--release"])`)
	_, err = f.Run(context.Background(), CommandSpec{Argv: []string{"make", "--relase"}})
	assert.ErrorIs(t, err, ErrNotConfigured)
	assert.NotErrorIs(t, err, ErrRunCommand, "a typo is not a failed start")

	assert.Equal(t, 3, f.CallCount())
}

func TestFakeProcessRunnerSetResult(t *testing.T) {
	f := NewFakeProcessRunner()
	want := fullyPopulatedRunResult()
	f.SetResult([]string{"bench", "--fast"}, want)

	got, err := f.Run(context.Background(), CommandSpec{Name: "b", Argv: []string{"bench", "--fast"}})
	require.NoError(t, err)
	assert.Equal(t, want, got)

	// Same again: configured results are not consumed.
	got, err = f.Run(context.Background(), CommandSpec{Argv: []string{"bench", "--fast"}})
	require.NoError(t, err)
	assert.Equal(t, want, got)

	// A prefix or an extension of the argv is another command.
	_, err = f.Run(context.Background(), CommandSpec{Argv: []string{"bench"}})
	assert.ErrorIs(t, err, ErrNotConfigured)
	_, err = f.Run(context.Background(), CommandSpec{Argv: []string{"bench", "--fast", "x"}})
	assert.ErrorIs(t, err, ErrNotConfigured)
}

func TestFakeProcessRunnerSpecFieldsDoNotChangeOutcome(t *testing.T) {
	f := NewFakeProcessRunner()
	want := RunResult{WallMs: 1, Wall: time.Millisecond, ExitCode: 0}
	f.SetResult([]string{"p"}, want)
	got, err := f.Run(context.Background(), CommandSpec{
		Name: "n", Argv: []string{"p"}, Cwd: "/nowhere", Env: []EnvVar{{"K", "V"}},
		Timeout: time.Second, OutputCapBytes: -1,
	})
	require.NoError(t, err)
	assert.Equal(t, want, got)
}

func TestFakeProcessRunnerArgvKeyIsUnambiguous(t *testing.T) {
	argvs := [][]string{
		{"a b"},
		{"a", "b"},
		{"ab"},
		{"a", "b", ""},
		{"a", "", "b"},
		{"a:b"},
		{"1:a"},
		{"1:a1:b"},
		{"a", "1:b"},
		{"a\x00b"},
		{"a", "b c"},
		{"a b", "c"},
		{`"a"`},
		{"a", " b"},
		{"a ", "b"},
	}
	keys := make(map[string][]string, len(argvs))
	for _, argv := range argvs {
		key := argvKey(argv)
		if other, dup := keys[key]; dup {
			t.Fatalf("argvKey(%q) == argvKey(%q) == %q", argv, other, key)
		}
		keys[key] = argv
	}
	// Empty and nil argv share a key with each other only.
	assert.Equal(t, argvKey(nil), argvKey([]string{}))
	assert.NotEqual(t, argvKey(nil), argvKey([]string{""}))
	assert.NotEqual(t, argvKey([]string{""}), argvKey([]string{"", ""}))

	f := NewFakeProcessRunner()
	for i, argv := range argvs {
		f.SetResult(argv, RunResult{ExitCode: i + 1})
	}
	for i, argv := range argvs {
		if argv[0] == "" || argv[0] == "a\x00b" {
			continue
		}
		got, err := f.Run(context.Background(), CommandSpec{Argv: argv})
		require.NoError(t, err, "argv %q", argv)
		assert.Equal(t, i+1, got.ExitCode, "argv %q", argv)
	}
}

func TestFakeProcessRunnerLastSetWins(t *testing.T) {
	ctx := context.Background()
	spec := CommandSpec{Argv: []string{"x"}}
	boom := errors.New("boom")

	f := NewFakeProcessRunner()
	f.SetResult(spec.Argv, RunResult{ExitCode: 1})
	f.SetError(spec.Argv, boom)
	got, err := f.Run(ctx, spec)
	assert.Same(t, boom, err)
	assert.Equal(t, notStarted(err), withoutCommand(got))

	f.SetResult(spec.Argv, RunResult{ExitCode: 2})
	got, err = f.Run(ctx, spec)
	require.NoError(t, err)
	assert.Equal(t, RunResult{ExitCode: 2}, got)

	f.SetResult(spec.Argv, RunResult{ExitCode: 3})
	got, err = f.Run(ctx, spec)
	require.NoError(t, err)
	assert.Equal(t, RunResult{ExitCode: 3}, got)

	other := errors.New("other")
	f.SetError(spec.Argv, boom)
	f.SetError(spec.Argv, other)
	_, err = f.Run(ctx, spec)
	assert.Same(t, other, err)

	// A nil error configures a zero result and no error.
	f.SetError(spec.Argv, nil)
	got, err = f.Run(ctx, spec)
	require.NoError(t, err)
	assert.Equal(t, RunResult{}, got)
}

var errCustomSentinel = errors.New("custom sentinel")

func TestFakeProcessRunnerSetErrorIdentity(t *testing.T) {
	ctx := context.Background()
	f := NewFakeProcessRunner()

	f.SetError([]string{"plain"}, errCustomSentinel)
	_, err := f.Run(ctx, CommandSpec{Argv: []string{"plain"}})
	assert.Same(t, errCustomSentinel, err)
	assert.ErrorIs(t, err, errCustomSentinel)

	wrapped := fmt.Errorf("layer: %w", errCustomSentinel)
	f.SetError([]string{"wrapped"}, wrapped)
	_, err = f.Run(ctx, CommandSpec{Argv: []string{"wrapped"}})
	assert.Same(t, wrapped, err)
	assert.ErrorIs(t, err, errCustomSentinel)
	assert.NotErrorIs(t, err, ErrRunCommand)

	// An *AdapterError configured by the test keeps its kind and cause.
	missing := &AdapterError{Kind: KindRunCommand, Command: "missing", Reason: "program not found", Err: fs.ErrNotExist}
	f.SetError([]string{"missing"}, missing)
	_, err = f.Run(ctx, CommandSpec{Argv: []string{"missing"}})
	assert.ErrorIs(t, err, ErrRunCommand)
	assert.ErrorIs(t, err, fs.ErrNotExist)
	var ae *AdapterError
	require.ErrorAs(t, err, &ae)
	assert.Same(t, missing, ae)
}

func TestFakeProcessRunnerFallback(t *testing.T) {
	ctx := context.Background()
	f := NewFakeProcessRunner()
	fallback := RunResult{WallMs: 10, Wall: 10 * time.Millisecond, Stdout: []byte("fb")}
	own := RunResult{WallMs: 20, Wall: 20 * time.Millisecond}
	f.SetFallback(fallback)
	f.SetResult([]string{"own"}, own)

	got, err := f.Run(ctx, CommandSpec{Argv: []string{"anything", "at", "all"}})
	require.NoError(t, err)
	assert.Equal(t, fallback, got)

	got, err = f.Run(ctx, CommandSpec{Argv: []string{"own"}})
	require.NoError(t, err)
	assert.Equal(t, own, got)

	// A configured error wins over the fallback too.
	f.SetError([]string{"bad"}, errCustomSentinel)
	_, err = f.Run(ctx, CommandSpec{Argv: []string{"bad"}})
	assert.Same(t, errCustomSentinel, err)

	// A later fallback replaces the earlier one.
	f.SetFallback(RunResult{WallMs: 30})
	got, err = f.Run(ctx, CommandSpec{Argv: []string{"anything"}})
	require.NoError(t, err)
	assert.Equal(t, RunResult{WallMs: 30, Wall: 30 * time.Millisecond}, got)

	// The fallback does not apply to invalid specs or ended contexts.
	_, err = f.Run(ctx, CommandSpec{})
	assert.ErrorIs(t, err, ErrEmptyArgv)
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	_, err = f.Run(cancelled, CommandSpec{Argv: []string{"anything"}})
	assert.ErrorIs(t, err, context.Canceled)
}

func TestFakeProcessRunnerValidatesSpec(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		spec CommandSpec
		kind ErrorKind
		want error
	}{
		{"nil argv", CommandSpec{}, KindEmptyArgv, ErrEmptyArgv},
		{"empty argv", CommandSpec{Argv: []string{}}, KindEmptyArgv, ErrEmptyArgv},
		{"empty program", CommandSpec{Argv: []string{"", "x"}}, KindEmptyArgv, ErrEmptyArgv},
		{"NUL in argument", CommandSpec{Argv: []string{"p", "a\x00"}}, KindInvalidSpec, ErrInvalidSpec},
		{"bad env key", CommandSpec{Argv: []string{"p"}, Env: []EnvVar{{"A=B", "v"}}}, KindInvalidSpec, ErrInvalidSpec},
		{"negative timeout", CommandSpec{Argv: []string{"p"}, Timeout: -time.Second}, KindInvalidSpec, ErrInvalidSpec},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := NewFakeProcessRunner()
			// Neither a result for the argv nor a fallback hides the error.
			f.SetResult(tt.spec.Argv, RunResult{ExitCode: 42})
			f.SetFallback(RunResult{ExitCode: 43})

			got, err := f.Run(ctx, tt.spec)
			assert.Equal(t, notStarted(err), withoutCommand(got))
			require.ErrorIs(t, err, tt.want)
			var ae *AdapterError
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, tt.kind, ae.Kind)
			// Same error as the real validation.
			assert.Equal(t, tt.spec.validate(), err)

			// Invalid calls are recorded too.
			assert.Equal(t, 1, f.CallCount())
			assert.Equal(t, []CommandSpec{tt.spec}, f.History())
		})
	}
}

func TestFakeProcessRunnerEndedContext(t *testing.T) {
	f := NewFakeProcessRunner()
	f.SetResult([]string{"p"}, RunResult{ExitCode: 1})
	spec := CommandSpec{Argv: []string{"p", "q"}}
	f.SetResult(spec.Argv, RunResult{ExitCode: 2})

	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	got, err := f.Run(cancelled, spec)
	assert.Equal(t, notStarted(err), withoutCommand(got))
	assert.ErrorIs(t, err, context.Canceled)
	assert.ErrorIs(t, err, ErrRunCommand)
	var ae *AdapterError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, KindRunCommand, ae.Kind)
	assert.Equal(t, "p q", ae.Command)
	assert.Equal(t, "not started", ae.Reason)
	assert.Equal(t, "failed to run command: [p q]: not started: context canceled", err.Error())

	expired, cancel2 := context.WithDeadline(context.Background(), time.Unix(0, 0))
	defer cancel2()
	_, err = f.Run(expired, spec)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.ErrorIs(t, err, ErrRunCommand)

	// Validation comes first, as in StdProcessRunner.
	_, err = f.Run(cancelled, CommandSpec{Argv: []string{"p"}, Timeout: -1})
	assert.ErrorIs(t, err, ErrInvalidSpec)
	assert.NotErrorIs(t, err, context.Canceled)

	assert.Equal(t, 3, f.CallCount())
	assert.True(t, f.WasRun([]string{"p", "q"}))
	assert.True(t, f.WasRun([]string{"p"}))
}

// A fake result keeps Wall and WallMs consistent whichever was given, so a
// gate written against the fake sees the figure it was configured with.
func TestFakeProcessRunnerDerivesTheMissingWall(t *testing.T) {
	tests := []struct {
		name   string
		given  RunResult
		wall   time.Duration
		wallMs uint64
	}{
		{"only WallMs", RunResult{WallMs: 900}, 900 * time.Millisecond, 900},
		{"only Wall", RunResult{Wall: 1500 * time.Microsecond}, 1500 * time.Microsecond, 1},
		{"both agree", RunResult{WallMs: 2, Wall: 2500 * time.Microsecond}, 2500 * time.Microsecond, 2},
		{"both disagree: Wall wins", RunResult{WallMs: 900, Wall: 5 * time.Millisecond}, 5 * time.Millisecond, 5},
		{"neither", RunResult{}, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := NewFakeProcessRunner()
			f.SetResult([]string{"a"}, tt.given)
			f.SetFallback(tt.given)
			for _, argv := range [][]string{{"a"}, {"other"}} {
				got, err := f.Run(context.Background(), CommandSpec{Argv: argv})
				require.NoError(t, err)
				assert.Equal(t, tt.wall, got.Wall, "Wall of %q", argv)
				assert.Equal(t, tt.wallMs, got.WallMs, "WallMs of %q", argv)
			}
		})
	}
}
