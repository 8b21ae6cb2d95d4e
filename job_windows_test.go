package adapters

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"golang.org/x/sys/windows"
)

func TestFiletimeDuration(t *testing.T) {
	assert.Equal(t, time.Duration(0), filetimeDuration(windows.Filetime{}))
	assert.Equal(t, 100*time.Nanosecond, filetimeDuration(windows.Filetime{LowDateTime: 1}))
	assert.Equal(t, time.Duration(1<<32)*100, filetimeDuration(windows.Filetime{HighDateTime: 1}))
	assert.Equal(t, time.Second, filetimeDuration(windows.Filetime{LowDateTime: 10_000_000}))
}

// The memory counters of a process that is still running (this one):
// a real peak working set everywhere (Wine too), and page faults except
// under Wine, which counts none.
func TestReadMemoryOfRunningProcess(t *testing.T) {
	m := readMemory(windows.CurrentProcess())
	if assert.NotNil(t, m) {
		assert.Greater(t, m.peakWorkingSetBytes, uint64(1<<20), "this Go test binary")
		if !underWine() {
			assert.Greater(t, m.pageFaults, uint64(0))
		}
	}
}
