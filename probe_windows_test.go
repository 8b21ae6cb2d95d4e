package adapters

import (
	"bufio"
	"fmt"
	"math/bits"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/windows"
)

var (
	procGetProcessAffinityMask             = kernel32DLL.NewProc("GetProcessAffinityMask")
	procGetPhysicallyInstalledSystemMemory = kernel32DLL.NewProc("GetPhysicallyInstalledSystemMemory")
)

// The host probe against sources of its own. Under Wine, which answers
// from the Linux host, the figures are compared exactly with what Linux
// says in /proc (drive Z: is the Linux root).
func TestProbeWindowsHost(t *testing.T) {
	info := StdHostProbe{}.Probe(HostProbeOptions{IncludeHostnameHash: true})
	assert.Equal(t, "windows", info.OS)
	assert.Equal(t, PerfgateArch(runtime.GOARCH), info.Arch)
	if runtime.GOARCH == "amd64" {
		assert.Equal(t, "x86_64", info.Arch)
	}

	// Logical CPUs this process may use: its affinity mask.
	var processMask, systemMask uintptr
	require.True(t, callProc(procGetProcessAffinityMask, uintptr(windows.CurrentProcess()),
		uintptr(unsafe.Pointer(&processMask)), uintptr(unsafe.Pointer(&systemMask))))
	require.NotNil(t, info.CPUCount)
	assert.Equal(t, uint32(bits.OnesCount64(uint64(processMask))), *info.CPUCount)

	require.NotNil(t, info.MemoryBytes)
	require.NotNil(t, info.HostnameHash)
	if underWine() {
		// Wine counts whole pages and comes out one page below MemTotal.
		assert.InDelta(t, linuxMemTotal(t), *info.MemoryBytes, 4096, "MemTotal of /proc/meminfo, to the page")
		assert.Equal(t, linuxCPUsAllowed(t), *info.CPUCount, "Cpus_allowed_list of /proc/self/status")
		hostname, err := os.ReadFile(`Z:\proc\sys\kernel\hostname`)
		require.NoError(t, err)
		assert.Equal(t, hashHostname(strings.TrimSpace(string(hostname))), *info.HostnameHash,
			"the same hash as on the Linux host")
		return
	}
	// The memory Windows may use is at most what is installed (KiB), and
	// not less than half of it on any machine this runs on.
	var installedKiB uint64
	if callProc(procGetPhysicallyInstalledSystemMemory, uintptr(unsafe.Pointer(&installedKiB))) {
		assert.LessOrEqual(t, *info.MemoryBytes, installedKiB*1024)
		assert.Greater(t, *info.MemoryBytes, installedKiB*1024/2)
	}
}

// linuxMemTotal reads MemTotal of the Linux host under Wine, in bytes.
func linuxMemTotal(t *testing.T) uint64 {
	t.Helper()
	f, err := os.Open(`Z:\proc\meminfo`)
	require.NoError(t, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var kib uint64
		if n, _ := fmt.Sscanf(sc.Text(), "MemTotal: %d kB", &kib); n == 1 {
			return kib * 1024
		}
	}
	t.Fatal("no MemTotal in /proc/meminfo")
	return 0
}

// linuxCPUsAllowed counts the CPUs of Cpus_allowed_list ("0-3,6") of the
// Linux process running this test under Wine.
func linuxCPUsAllowed(t *testing.T) uint32 {
	t.Helper()
	status, err := os.ReadFile(`Z:\proc\self\status`)
	require.NoError(t, err)
	for _, line := range strings.Split(string(status), "\n") {
		list, ok := strings.CutPrefix(line, "Cpus_allowed_list:")
		if !ok {
			continue
		}
		var n uint32
		for _, r := range strings.Split(strings.TrimSpace(list), ",") {
			lo, hi, isRange := strings.Cut(r, "-")
			if !isRange {
				hi = lo
			}
			a, errA := strconv.Atoi(lo)
			b, errB := strconv.Atoi(hi)
			require.NoError(t, errA)
			require.NoError(t, errB)
			n += uint32(b - a + 1)
		}
		return n
	}
	t.Fatal("no Cpus_allowed_list in /proc/self/status")
	return 0
}
