package adapters

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestRSSReadErrorPages(t *testing.T) {
	// 3 counters × (batch-1) × CPUs, batch = max(32, 2 × CPUs).
	cases := map[int]uint64{
		1:  3 * 31 * 1,
		2:  3 * 31 * 2, // 186 pages: 744 KiB with 4 KiB pages
		16: 3 * 31 * 16,
		17: 3 * 33 * 17, // 2 × 17 = 34 > 32
		64: 3 * 127 * 64,
	}
	for cpus, want := range cases {
		assert.Equal(t, want, rssReadErrorPages(cpus), "%d CPUs", cpus)
	}
	assert.Equal(t, rssReadErrorPages(4096), rssReadErrorPages(0), "unknown: as many as 4096")
	assert.Equal(t, rssReadErrorPages(4096), rssReadErrorPages(-1))
}

func TestSpawnerPeakFloor(t *testing.T) {
	const e = 744
	cases := []struct {
		name string
		peak spawnerPeak
		want uint64
	}{
		// The wrong run of issue 12: exec and getrusage read 8680 KiB,
		// VmHWM (exact) 8640. The floor must cover 8680.
		{"rusage bounds the fold", spawnerPeak{8680, true, 8680, true, 8640, true, e}, 8680},
		{"rusage alone", spawnerPeak{8680, true, 0, false, 0, false, e}, 8680},
		// A caller started by a big parent: its ru_maxrss carries that
		// parent's peak; the approximate RSS and VmHWM bound the fold.
		{"approximate RSS above VmHWM", spawnerPeak{300_000, true, 8680, true, 8640, true, e}, 8680},
		{"VmHWM above approximate RSS", spawnerPeak{300_000, true, 8000, true, 8640, true, e}, 8640},
		{"no approximate RSS", spawnerPeak{300_000, true, 0, false, 8640, true, e}, 8640 + e},
		{"no rusage", spawnerPeak{0, false, 8680, true, 8640, true, e}, 8680},
		{"approximate RSS alone", spawnerPeak{0, false, 8680, true, 0, false, e}, ^uint64(0)},
		{"nothing known", spawnerPeak{}, ^uint64(0)},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, c.peak.floorKiB(), c.name)
	}
}
