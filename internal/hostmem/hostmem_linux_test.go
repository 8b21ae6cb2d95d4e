package hostmem

import (
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// MemTotal of /proc/meminfo and sysinfo(2)'s totalram are the same kernel
// figure (totalram_pages) in other units: the file read must agree with
// the system call to the byte.
func TestTotalBytesIsSysinfosTotalRAM(t *testing.T) {
	var info syscall.Sysinfo_t
	require.NoError(t, syscall.Sysinfo(&info))
	got := TotalBytes()
	require.NotNil(t, got)
	assert.Equal(t, uint64(info.Totalram)*uint64(info.Unit), *got)
}
