package adapters

import (
	"context"
	"reflect"
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
