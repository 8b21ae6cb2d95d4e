package adapters

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/perfgate/adapters/internal/cgroupfs"
)

// wait4Result is what the Linux runner has before tree scope is applied:
// every rusage figure, max_rss_kb included.
func wait4Result() RunResult {
	return RunResult{
		CPUMs:                  uint64Ptr(500),
		UserCPUUs:              uint64Ptr(450000),
		SystemCPUUs:            uint64Ptr(50000),
		MaxRSSKB:               uint64Ptr(20000),
		PageFaults:             uint64Ptr(1),
		MinorPageFaults:        uint64Ptr(900),
		CtxSwitches:            uint64Ptr(30),
		VoluntaryCtxSwitches:   uint64Ptr(20),
		InvoluntaryCtxSwitches: uint64Ptr(10),
		IOReadBytes:            uint64Ptr(0),
		IOWriteBytes:           uint64Ptr(4096),
		EnergyUJ:               uint64Ptr(7),
		BinaryBytes:            uint64Ptr(8),
	}
}

var allResourceKeys = []string{"cpu_ms", "user_cpu_us", "system_cpu_us", "max_rss_kb",
	"page_faults", "minor_page_faults", "ctx_switches", "voluntary_ctx_switches",
	"involuntary_ctx_switches", "io_read_bytes", "io_write_bytes"}

// fixtureStats reads the per-run cgroup of a testdata/cgroup machine.
func fixtureStats(t *testing.T, machine string) cgroupfs.Stats {
	t.Helper()
	var dir string
	err := filepath.WalkDir(filepath.Join("testdata", "cgroup", machine), func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() && len(d.Name()) > 9 && d.Name()[:9] == "perfgate-" {
			dir = p
		}
		return err
	})
	require.NoError(t, err)
	require.NotEmpty(t, dir)
	return cgroupfs.ReadStats(os.DirFS(dir))
}

func TestTreeScopeWithoutCgroups(t *testing.T) {
	for name, reading := range map[string]*cgroupfs.Reading{
		"not linux":     nil,
		"no cgroup v2":  {Unavailable: "mkdir /sys/fs/cgroup/perfgate-1-1: permission denied"},
		"start refused": {Unavailable: "cannot start the program in /x: bad file descriptor"},
	} {
		t.Run(name, func(t *testing.T) {
			r := wait4Result()
			applyTreeScope(&r, reading, SourceWait4)
			want := wait4Result()
			want.Sources = r.Sources
			assert.Equal(t, want, r, "no figure changes")
			require.Len(t, r.Sources, len(allResourceKeys))
			for _, key := range allResourceKeys {
				s := r.Sources[key]
				assert.Equal(t, ScopeProcess, s.Scope, key)
				assert.Equal(t, SourceWait4, s.Source, key)
				if reading == nil {
					assert.Equal(t, "no cgroup: tree scope needs Linux cgroup v2", s.Note)
				} else {
					assert.Equal(t, "no cgroup: "+reading.Unavailable, s.Note)
				}
			}
			assert.NotContains(t, r.Sources, "energy_uj", "the machine's, no scope")
			assert.NotContains(t, r.Sources, "binary_bytes")
		})
	}
}

// The figures of this project's CI machines: cpu.stat only.
func TestTreeScopeHybridMachine(t *testing.T) {
	r := wait4Result()
	applyTreeScope(&r, &cgroupfs.Reading{Stats: fixtureStats(t, "hybrid")}, SourceWait4)

	assert.Equal(t, uint64(498210), *r.UserCPUUs)
	assert.Equal(t, uint64(14137), *r.SystemCPUUs)
	assert.Equal(t, uint64((498210+14137)/1000), *r.CPUMs)
	for _, key := range cpuKeys {
		assert.Equal(t, FigureSource{Scope: ScopeTree, Source: SourceCgroupCPUStat}, r.Sources[key], key)
	}
	assert.Equal(t, uint64(20000), *r.MaxRSSKB, "wait4's, for want of memory.peak")
	assert.Equal(t, FigureSource{Scope: ScopeProcess, Source: SourceWait4,
		Note: "cgroup: no memory.peak (memory controller not enabled in the parent's cgroup.subtree_control, or Linux before 5.19)"},
		r.Sources["max_rss_kb"])
	for _, key := range ioKeys {
		assert.Equal(t, FigureSource{Scope: ScopeProcess, Source: SourceWait4,
			Note: "cgroup: no io.stat (io controller not enabled in the parent's cgroup.subtree_control)"}, r.Sources[key], key)
	}
	for _, key := range []string{"page_faults", "minor_page_faults", "ctx_switches", "voluntary_ctx_switches", "involuntary_ctx_switches"} {
		assert.Equal(t, FigureSource{Scope: ScopeProcess, Source: SourceWait4}, r.Sources[key], "%s has no cgroup source", key)
	}
}

// A pure v2 machine with memory and io delegated: every figure the cgroup
// has is the tree's.
func TestTreeScopePureV2Machine(t *testing.T) {
	r := wait4Result()
	r.MaxRSSKB = nil // withheld: below the caller's peak
	applyTreeScope(&r, &cgroupfs.Reading{Stats: fixtureStats(t, "systemd-v2")}, SourceWait4)

	assert.Equal(t, uint64(1843), *r.CPUMs)
	require.NotNil(t, r.MaxRSSKB, "memory.peak replaces a withheld ru_maxrss")
	assert.Equal(t, uint64(73490432/1024), *r.MaxRSSKB)
	assert.Equal(t, uint64(1052672+20480), *r.IOReadBytes)
	assert.Equal(t, uint64(4096000), *r.IOWriteBytes)
	assert.Equal(t, FigureSource{Scope: ScopeTree, Source: SourceCgroupMemoryPeak}, r.Sources["max_rss_kb"])
	assert.Equal(t, FigureSource{Scope: ScopeTree, Source: SourceCgroupIOStat}, r.Sources["io_read_bytes"])
	assert.Equal(t, FigureSource{Scope: ScopeTree, Source: SourceCgroupIOStat}, r.Sources["io_write_bytes"])
	assert.Equal(t, FigureSource{Scope: ScopeTree, Source: SourceCgroupCPUStat}, r.Sources["cpu_ms"])

	data, err := json.Marshal(r)
	require.NoError(t, err)
	assert.Contains(t, string(data), `"max_rss_kb":{"scope":"tree","source":"cgroup.memory.peak"}`)
}

func TestTreeScopeUserDelegation(t *testing.T) {
	r := wait4Result()
	r.MaxRSSKB = nil
	applyTreeScope(&r, &cgroupfs.Reading{Stats: fixtureStats(t, "systemd-v2-user")}, SourceWait4)
	assert.Equal(t, uint64(11743232/1024), *r.MaxRSSKB)
	assert.Equal(t, ScopeTree, r.Sources["max_rss_kb"].Scope)
	assert.Equal(t, ScopeProcess, r.Sources["io_read_bytes"].Scope, "user@.service delegates no io")
	assert.Equal(t, uint64(0), *r.IOReadBytes)
}

// A withheld max_rss_kb with no memory.peak stays nil, with no source.
func TestTreeScopeAbsentFigureHasNoSource(t *testing.T) {
	r := wait4Result()
	r.MaxRSSKB = nil
	applyTreeScope(&r, &cgroupfs.Reading{Stats: fixtureStats(t, "hybrid")}, SourceWait4)
	assert.Nil(t, r.MaxRSSKB)
	assert.NotContains(t, r.Sources, "max_rss_kb")

	var empty RunResult // plan9, js/wasm: no figures at all
	applyTreeScope(&empty, nil, "")
	assert.Nil(t, empty.Sources, "no figures, no sources")
}

func TestTreeScopeCPUCrossCheck(t *testing.T) {
	stats := fixtureStats(t, "hybrid") // usage 512348 µs
	r := wait4Result()
	r.UserCPUUs, r.SystemCPUUs = uint64Ptr(600000), uint64Ptr(100000) // 700 ms > 512 ms
	r.CPUMs = uint64Ptr(700)
	applyTreeScope(&r, &cgroupfs.Reading{Stats: stats}, SourceWait4)
	assert.Equal(t, uint64(700), *r.CPUMs, "wait4's kept")
	assert.Equal(t, uint64(600000), *r.UserCPUUs)
	for _, key := range cpuKeys {
		s := r.Sources[key]
		assert.Equal(t, ScopeProcess, s.Scope)
		assert.Equal(t, "cgroup cpu.stat usage_usec 512348 is below wait4's 700000 µs: the cgroup missed part of the run; wait4's figures kept", s.Note)
	}

	// cpu.stat unreadable.
	r = wait4Result()
	stats.CPUErr = errors.New("read: input/output error")
	applyTreeScope(&r, &cgroupfs.Reading{Stats: stats}, SourceWait4)
	assert.Equal(t, "cgroup: cpu.stat: read: input/output error", r.Sources["cpu_ms"].Note)
	assert.Equal(t, uint64(500), *r.CPUMs)
}

func TestCgroupCPUPlausible(t *testing.T) {
	tests := []struct {
		cgroup, wait4 uint64
		want          bool
	}{
		{0, 0, true},
		{5, 0, true},
		{0, 1000, true}, // 1 ms of slack, plus 1 %
		{0, 1010, true}, // 1 ms + 10 µs
		{0, 1011, false},
		{99000, 100000, true}, // 1 ms + 1 % of 100 ms = 2 ms
		{98000, 100000, true},
		{97999, 100000, false},
		{10_000_000, 9_000_000, true}, // a tree uses more than the child
		{maxUint64, maxUint64, true},
		{0, maxUint64, false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, cgroupCPUPlausible(tt.cgroup, tt.wait4), "cgroup %d wait4 %d", tt.cgroup, tt.wait4)
	}
}

const maxUint64 = ^uint64(0)

func TestTreeScopeLeftoverIsNoted(t *testing.T) {
	r := wait4Result()
	applyTreeScope(&r, &cgroupfs.Reading{Stats: fixtureStats(t, "hybrid"), Leftover: "cgroup /x left in place"}, SourceWait4)
	assert.Equal(t, FigureSource{Scope: ScopeTree, Source: SourceCgroupCPUStat, Note: "cgroup /x left in place"}, r.Sources["cpu_ms"])
}

func TestRunRejectsUnknownScope(t *testing.T) {
	runner := StdProcessRunner{Scope: "trees"}
	res, err := runner.Run(context.Background(), CommandSpec{Argv: []string{"true"}})
	require.ErrorIs(t, err, ErrInvalidSpec)
	assert.Contains(t, err.Error(), `unknown StdProcessRunner.Scope "trees"`)
	assert.Equal(t, notStarted(err), withoutCommand(res))
}
