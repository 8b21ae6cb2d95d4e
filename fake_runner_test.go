package adapters

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fullRunResult returns a RunResult with every field set to a distinct
// non-zero value.
func fullyPopulatedRunResult() RunResult {
	sig := 9
	return RunResult{
		WallMs:                 1234,
		ExitCode:               -1,
		TimedOut:               true,
		CPUMs:                  uint64Ptr(1000),
		PageFaults:             uint64Ptr(2),
		CtxSwitches:            uint64Ptr(30),
		MaxRSSKB:               uint64Ptr(4096),
		MaxRSSAtMostKB:         uint64Ptr(4097),
		IOReadBytes:            uint64Ptr(8192),
		IOWriteBytes:           uint64Ptr(16384),
		NetworkPackets:         uint64Ptr(7),
		EnergyUJ:               uint64Ptr(123456),
		BinaryBytes:            uint64Ptr(654321),
		Stdout:                 []byte("out"),
		Stderr:                 []byte("err"),
		Wall:                   1234567890 * time.Nanosecond,
		UserCPUUs:              uint64Ptr(600000),
		SystemCPUUs:            uint64Ptr(400000),
		MinorPageFaults:        uint64Ptr(55),
		VoluntaryCtxSwitches:   uint64Ptr(20),
		InvoluntaryCtxSwitches: uint64Ptr(10),
		Signal:                 &sig,
		StdoutTotalBytes:       uint64Ptr(100),
		StderrTotalBytes:       uint64Ptr(200),
		StdoutTruncated:        true,
		StderrTruncated:        true,
		Sources: map[string]FigureSource{
			"cpu_ms":     {Scope: ScopeTree, Source: SourceCgroupCPUStat},
			"max_rss_kb": {Scope: ScopeProcess, Source: SourceWait4, Note: "cgroup: no memory.peak"},
		},
		Notes: map[string]string{"max_rss_kb": "process figure, not the tree's: cgroup: no memory.peak"},
	}
}

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

func TestFakeProcessRunnerCopiesResultIn(t *testing.T) {
	ctx := context.Background()
	f := NewFakeProcessRunner()
	configured := fullyPopulatedRunResult()
	f.SetResult([]string{"p"}, configured)
	fallback := fullyPopulatedRunResult()
	f.SetFallback(fallback)

	// Mutating what was passed in does not change what is stored.
	configured.Stdout[0] = 'X'
	configured.Stderr[0] = 'X'
	*configured.CPUMs = 1
	*configured.Signal = 2
	*configured.MaxRSSKB = 3
	fallback.Stdout[0] = 'X'
	*fallback.UserCPUUs = 4
	configured.Sources["cpu_ms"] = FigureSource{}
	delete(fallback.Sources, "max_rss_kb")

	got, err := f.Run(ctx, CommandSpec{Argv: []string{"p"}})
	require.NoError(t, err)
	assert.Equal(t, fullyPopulatedRunResult(), got)
	got, err = f.Run(ctx, CommandSpec{Argv: []string{"q"}})
	require.NoError(t, err)
	assert.Equal(t, fullyPopulatedRunResult(), got)
}

func TestFakeProcessRunnerCopiesResultOut(t *testing.T) {
	ctx := context.Background()
	f := NewFakeProcessRunner()
	f.SetResult([]string{"p"}, fullyPopulatedRunResult())
	f.SetFallback(fullyPopulatedRunResult())

	for _, argv := range [][]string{{"p"}, {"q"}} {
		got, err := f.Run(ctx, CommandSpec{Argv: argv})
		require.NoError(t, err)
		got.Stdout[0] = 'X'
		got.Stdout = append(got.Stdout[:1], "appended"...)
		got.Stderr[0] = 'X'
		*got.CPUMs = 1
		*got.Signal = 2
		*got.EnergyUJ = 3
		*got.InvoluntaryCtxSwitches = 4
		got.Sources["cpu_ms"] = FigureSource{}
		got.Sources["added"] = FigureSource{}

		again, err := f.Run(ctx, CommandSpec{Argv: argv})
		require.NoError(t, err)
		assert.Equal(t, fullyPopulatedRunResult(), again, "argv %q", argv)
	}
}

// TestCloneRunResultCoversEveryField fails when a pointer or slice field is
// added to RunResult without being copied by cloneRunResult.
func TestCloneRunResultCoversEveryField(t *testing.T) {
	orig := fullyPopulatedRunResult()
	clone := cloneRunResult(orig)
	require.Equal(t, orig, clone)

	ov := reflect.ValueOf(orig)
	cv := reflect.ValueOf(clone)
	for i := range ov.NumField() {
		name := ov.Type().Field(i).Name
		if name == "runErr" {
			continue // an error is shared as it is, so that errors.Is sees it
		}
		of, cf := ov.Field(i), cv.Field(i)
		switch of.Kind() {
		case reflect.Pointer:
			require.False(t, of.IsNil(), "fullRunResult leaves %s nil", name)
			assert.NotEqual(t, of.Pointer(), cf.Pointer(), "%s shares its pointer", name)
		case reflect.Slice:
			require.NotZero(t, of.Len(), "fullRunResult leaves %s empty", name)
			assert.NotEqual(t, of.Pointer(), cf.Pointer(), "%s shares its array", name)
		case reflect.Map:
			require.NotZero(t, of.Len(), "fullRunResult leaves %s empty", name)
			assert.NotEqual(t, of.Pointer(), cf.Pointer(), "%s shares its map", name)
			// Its values are copied too: only plain values are allowed.
			switch of.Type().Elem().Kind() {
			case reflect.Pointer, reflect.Slice, reflect.Map, reflect.Interface, reflect.Chan, reflect.Func:
				t.Fatalf("cloneRunResult does not know how to copy the values of %s", name)
			}
		case reflect.Interface, reflect.Chan, reflect.Func:
			t.Fatalf("cloneRunResult does not know how to copy %s (%s)", name, of.Kind())
		}
	}

	// nil stays nil, empty stays empty.
	empty := cloneRunResult(RunResult{Stdout: []byte{}})
	assert.NotNil(t, empty.Stdout)
	assert.Len(t, empty.Stdout, 0)
	assert.Nil(t, empty.Stderr)
	assert.Nil(t, empty.CPUMs)
	assert.Nil(t, empty.Signal)
	assert.Nil(t, empty.Sources)
}

func TestFakeProcessRunnerConcurrent(t *testing.T) {
	const goroutines = 50
	const perGoroutine = 20
	ctx := context.Background()
	f := NewFakeProcessRunner()
	f.SetFallback(RunResult{ExitCode: -7})

	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			own := []string{"prog", fmt.Sprint(g)}
			f.SetResult(own, RunResult{ExitCode: g, Stdout: []byte(fmt.Sprint(g))})
			for i := range perGoroutine {
				got, err := f.Run(ctx, CommandSpec{Argv: own})
				if !assert.NoError(t, err) {
					return
				}
				assert.Equal(t, g, got.ExitCode)
				assert.Equal(t, fmt.Sprint(g), string(got.Stdout))
				got.Stdout[0] = 'X' // must not race with other readers

				got, err = f.Run(ctx, CommandSpec{Argv: []string{"shared", fmt.Sprint(i)}})
				if !assert.NoError(t, err) {
					return
				}
				assert.Equal(t, -7, got.ExitCode)

				if i%5 == 0 {
					_ = f.History()
				}
				_ = f.CallCount()
				_ = f.WasRun(own)
			}
		})
	}
	wg.Wait()

	assert.Equal(t, goroutines*perGoroutine*2, f.CallCount())
	history := f.History()
	require.Len(t, history, goroutines*perGoroutine*2)
	counts := make(map[string]int)
	for _, spec := range history {
		counts[argvKey(spec.Argv)]++
	}
	for g := range goroutines {
		assert.Equal(t, perGoroutine, counts[argvKey([]string{"prog", fmt.Sprint(g)})], "goroutine %d", g)
		assert.True(t, f.WasRun([]string{"prog", fmt.Sprint(g)}))
	}
	for i := range perGoroutine {
		assert.Equal(t, goroutines, counts[argvKey([]string{"shared", fmt.Sprint(i)})])
	}

	// Clear racing with Run is safe too.
	for range goroutines {
		wg.Go(func() {
			_, _ = f.Run(ctx, CommandSpec{Argv: []string{"x"}})
			f.Clear()
		})
	}
	wg.Wait()
	f.Clear()
	assert.Equal(t, 0, f.CallCount())
}

func TestFakeHostProbe(t *testing.T) {
	cpus := uint32(8)
	mem := uint64(16 << 30)
	hash := "abc123"
	host := HostInfo{OS: "linux", Arch: "x86_64", CPUCount: &cpus, MemoryBytes: &mem, HostnameHash: &hash}

	probes := map[string]HostProbe{
		"value":       FakeHostProbe{Host: host},
		"pointer":     &FakeHostProbe{Host: host},
		"constructor": NewFakeHostProbe(host),
	}
	for name, probe := range probes {
		t.Run(name, func(t *testing.T) {
			got := probe.Probe(HostProbeOptions{})
			assert.Equal(t, HostInfo{OS: "linux", Arch: "x86_64", CPUCount: &cpus, MemoryBytes: &mem}, got)
			assert.Nil(t, got.HostnameHash)

			got = probe.Probe(HostProbeOptions{IncludeHostnameHash: true})
			assert.Equal(t, host, got)
			require.NotNil(t, got.HostnameHash)
			assert.Equal(t, "abc123", *got.HostnameHash)

			// The result shares no pointer with the configured host.
			assert.NotSame(t, &cpus, got.CPUCount)
			assert.NotSame(t, &mem, got.MemoryBytes)
			assert.NotSame(t, &hash, got.HostnameHash)
			*got.CPUCount = 1
			*got.MemoryBytes = 2
			*got.HostnameHash = "mutated"
			assert.Equal(t, host, probe.Probe(HostProbeOptions{IncludeHostnameHash: true}))
			assert.Equal(t, uint32(8), cpus)
			assert.Equal(t, "abc123", hash)
		})
	}
}

func TestFakeHostProbeNilFields(t *testing.T) {
	probe := FakeHostProbe{Host: HostInfo{OS: "windows", Arch: "aarch64"}}
	got := probe.Probe(HostProbeOptions{IncludeHostnameHash: true})
	assert.Equal(t, HostInfo{OS: "windows", Arch: "aarch64"}, got)
	assert.Nil(t, got.CPUCount)
	assert.Nil(t, got.MemoryBytes)
	assert.Nil(t, got.HostnameHash)

	assert.Equal(t, HostInfo{}, FakeHostProbe{}.Probe(HostProbeOptions{IncludeHostnameHash: true}))

	// Changing Host later changes what a pointer probe reports.
	p := NewFakeHostProbe(HostInfo{OS: "linux"})
	p.Host.Arch = "riscv64"
	assert.Equal(t, HostInfo{OS: "linux", Arch: "riscv64"}, p.Probe(HostProbeOptions{}))
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
