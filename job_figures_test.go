package adapters

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/perfgate/adapters/internal/winjob"
)

// How the counters of a run become figures, with made-up values of the
// kind a real Windows machine gives (Wine gives zeros, so the runner tests
// cannot show these choices there).
func TestJobCountersApply(t *testing.T) {
	u := func(v uint64) *uint64 { return &v }
	child := winjob.Counters{
		CPU:    &winjob.CPUTimes{User: 120 * time.Millisecond, Kernel: 30 * time.Millisecond},
		Memory: &winjob.Memory{PeakWorkingSetBytes: 10<<20 + 1023, PageFaults: 2500},
		IO:     &winjob.IOBytes{Read: 4096, Written: 100},
	}
	tree := child
	tree.JobCPU = &winjob.CPUTimes{User: 900 * time.Millisecond, Kernel: 101 * time.Millisecond}
	tree.JobPageFaults = u(9000)
	tree.JobIO = &winjob.IOBytes{Read: 1 << 20, Written: 2 << 20}

	for _, tc := range []struct {
		name     string
		counters winjob.Counters
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
		{"job without I/O accounting (Wine): the child's I/O", winjob.Counters{
			Memory: child.Memory, IO: child.IO, JobCPU: tree.JobCPU, JobPageFaults: u(0),
		}, RunResult{
			CPUMs: u(1001), UserCPUUs: u(900000), SystemCPUUs: u(101000),
			PageFaults: u(0), MaxRSSKB: u(10 << 10),
			IOReadBytes: u(4096), IOWriteBytes: u(100),
		}},
		{"nothing readable: nothing reported", winjob.Counters{}, RunResult{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got RunResult
			applyJobCounters(&got, &tc.counters)
			assert.Equal(t, tc.want, got)
		})
	}
}
