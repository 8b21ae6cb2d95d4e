package adapters

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// How the counters of a run become figures, with made-up values of the
// kind a real Windows machine gives (Wine gives zeros, so the runner tests
// cannot show these choices there).
func TestJobCountersApply(t *testing.T) {
	u := func(v uint64) *uint64 { return &v }
	child := jobCounters{
		cpu:    &cpuTimes{user: 120 * time.Millisecond, kernel: 30 * time.Millisecond},
		memory: &memoryFigures{peakWorkingSetBytes: 10<<20 + 1023, pageFaults: 2500},
		io:     &ioBytes{read: 4096, written: 100},
	}
	tree := child
	tree.jobCPU = &cpuTimes{user: 900 * time.Millisecond, kernel: 101 * time.Millisecond}
	tree.jobPageFaults = u(9000)
	tree.jobIO = &ioBytes{read: 1 << 20, written: 2 << 20}

	for _, tc := range []struct {
		name     string
		counters jobCounters
		want     RunResult
	}{
		{"the job's totals cover the tree; the peak working set is the child's", tree, RunResult{
			CPUMs: u(1001), UserCPUUs: u(900000), SystemCPUUs: u(101000),
			PageFaults: u(9000), MaxRSSKB: u(10 << 10),
			IOReadBytes: u(1 << 20), IOWriteBytes: u(2 << 20),
		}},
		{"without job accounting, the child's own", child, RunResult{
			CPUMs: u(150), UserCPUUs: u(120000), SystemCPUUs: u(30000),
			PageFaults: u(2500), MaxRSSKB: u(10 << 10),
			IOReadBytes: u(4096), IOWriteBytes: u(100),
		}},
		{"job without I/O accounting (Wine): the child's I/O", jobCounters{
			memory: child.memory, io: child.io, jobCPU: tree.jobCPU, jobPageFaults: u(0),
		}, RunResult{
			CPUMs: u(1001), UserCPUUs: u(900000), SystemCPUUs: u(101000),
			PageFaults: u(0), MaxRSSKB: u(10 << 10),
			IOReadBytes: u(4096), IOWriteBytes: u(100),
		}},
		{"nothing readable: nothing reported", jobCounters{}, RunResult{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got RunResult
			tc.counters.apply(&got)
			assert.Equal(t, tc.want, got)
		})
	}
}
