package adapters

import (
	"testing"

	"github.com/perfgate/adapters/internal/cgroupfs"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// withheldPeakResult is wait4Result with its peak withheld as the runner
// withholds it: no MaxRSSKB, the bound, and the note.
func withheldPeakResult() RunResult {
	r := wait4Result()
	r.MaxRSSAtMostKB, r.MaxRSSKB = r.MaxRSSKB, nil
	r.Notes = map[string]string{"max_rss_kb": "withheld: ru_maxrss is not above this process's own peak of 30000 KiB, " +
		"which a child started with vfork inherits at exec (golang/go#32054); " +
		"the child's own peak is at most that"}
	return r
}

// In tree scope a withheld process peak keeps its Sources entry with the
// reason the tree's is missing too, and its note no longer advises the
// spawner, which tree scope never uses.
func TestTreeScopeWithheldPeakKeepsItsReason(t *testing.T) {
	for name, tc := range map[string]struct {
		reading *cgroupfs.Reading
		reason  string
	}{
		"no memory.peak": {&cgroupfs.Reading{Stats: fixtureStats(t, "hybrid")}, "cgroup: no memory.peak"},
		"no cgroup":      {nil, "no cgroup: " + noCgroupElsewhere},
	} {
		t.Run(name, func(t *testing.T) {
			r := withheldPeakResult()
			applyTreeScope(&r, tc.reading, SourceWait4)
			noteFallbacks(&r)
			assert.Nil(t, r.MaxRSSKB)
			assert.Equal(t, uint64(20000), *r.MaxRSSAtMostKB)
			require.Contains(t, r.Sources, "max_rss_kb", "the figure's entry is kept")
			src := r.Sources["max_rss_kb"]
			assert.Equal(t, ScopeProcess, src.Scope)
			assert.Equal(t, SourceWait4, src.Source)
			assert.Contains(t, src.Note, tc.reason)
			assert.Contains(t, src.Note, "ru_maxrss (20000 KiB) is withheld")
			assert.Contains(t, r.Notes["max_rss_kb"], tc.reason, "the cgroup's reason is in the note")
			assert.Contains(t, r.Notes["max_rss_kb"], "withheld")
			assert.NotContains(t, r.Notes["max_rss_kb"], "Spawner", "tree scope never spawns through the spawner")
		})
	}
}

// When the cgroup gives the peak, the withheld bound and its note go.
func TestTreeScopeCgroupPeakReplacesAWithheldOne(t *testing.T) {
	r := withheldPeakResult()
	applyTreeScope(&r, &cgroupfs.Reading{Stats: fixtureStats(t, "systemd-v2")}, SourceWait4)
	noteFallbacks(&r)
	require.NotNil(t, r.MaxRSSKB)
	assert.Equal(t, uint64(73490432/1024), *r.MaxRSSKB)
	assert.Nil(t, r.MaxRSSAtMostKB, "nil whenever MaxRSSKB is set")
	assert.NotContains(t, r.Notes, "max_rss_kb")
	assert.Equal(t, FigureSource{Scope: ScopeTree, Source: SourceCgroupMemoryPeak}, r.Sources["max_rss_kb"])
}
