package peak

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestReadErrorPages(t *testing.T) {
	// 3 counters × (batch-1) × CPUs, batch = max(32, 2 × CPUs).
	cases := map[int]uint64{
		1:  3 * 31 * 1,
		2:  3 * 31 * 2, // 186 pages: 744 KiB with 4 KiB pages
		16: 3 * 31 * 16,
		17: 3 * 33 * 17, // 2 × 17 = 34 > 32
		64: 3 * 127 * 64,
	}
	for cpus, want := range cases {
		assert.Equal(t, want, ReadErrorPages(cpus), "%d CPUs", cpus)
	}
	assert.Equal(t, ReadErrorPages(4096), ReadErrorPages(0), "unknown: as many as 4096")
	assert.Equal(t, ReadErrorPages(4096), ReadErrorPages(-1))
}

func TestFloor(t *testing.T) {
	const e = 744
	cases := []struct {
		name string
		peak Reading
		want uint64
	}{
		// The wrong run of issue 12: exec and getrusage read 8680 KiB,
		// VmHWM (exact) 8640. The floor must cover 8680.
		{"rusage bounds the fold", Reading{8680, true, 8680, true, 8640, true, e}, 8680},
		{"rusage alone", Reading{8680, true, 0, false, 0, false, e}, 8680},
		// A caller started by a big parent: its ru_maxrss carries that
		// parent's peak; the approximate RSS and VmHWM bound the fold.
		{"approximate RSS above VmHWM", Reading{300_000, true, 8680, true, 8640, true, e}, 8680},
		{"VmHWM above approximate RSS", Reading{300_000, true, 8000, true, 8640, true, e}, 8640},
		{"no approximate RSS", Reading{300_000, true, 0, false, 8640, true, e}, 8640 + e},
		{"no rusage", Reading{0, false, 8680, true, 8640, true, e}, 8680},
		// The approximate RSS alone says nothing of the high-water mark.
		{"approximate RSS alone", Reading{0, false, 8680, true, 0, false, e}, ^uint64(0)},
		{"nothing known", Reading{}, ^uint64(0)},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, c.peak.FloorKiB(), c.name)
	}
}
