package main

import (
	"bytes"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/perfgate/adapters"
)

// Formatting, on results given as literals: these run on every platform.

func u64(v uint64) *uint64 { return &v }

func TestRunTableAllNil(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	writeRunTable(&b, "run 1/1: prog", &adapters.RunResult{Wall: 1500 * time.Microsecond, WallMs: 1}, notAvailable)
	assert.Equal(t, `run 1/1: prog
  wall          1.500 ms
  exit          0
  timed out     no
  cpu           user n/a, system n/a, total n/a
  max rss       n/a
  page faults   major n/a, minor n/a
  ctx switches  voluntary n/a, involuntary n/a
  block io      read n/a, write n/a
  energy        n/a (`+energyMissing(runtime.GOOS, "/sys/class/powercap")+`)
  binary        n/a
  stdout        n/a (not captured)
  stderr        n/a (not captured)
`, b.String())
}

func TestRunTableMeasuredZerosAndFigures(t *testing.T) {
	t.Parallel()
	sig := 9
	r := adapters.RunResult{
		Wall:                   2*time.Second + 345678*time.Nanosecond,
		ExitCode:               -1,
		Signal:                 &sig,
		TimedOut:               true,
		UserCPUUs:              u64(1234),
		SystemCPUUs:            u64(0),
		CPUMs:                  u64(1),
		MaxRSSKB:               u64(0),
		PageFaults:             u64(0),
		MinorPageFaults:        u64(77),
		VoluntaryCtxSwitches:   u64(0),
		InvoluntaryCtxSwitches: u64(5),
		IOReadBytes:            u64(4096),
		IOWriteBytes:           u64(0),
		EnergyUJ:               u64(123456),
		BinaryBytes:            u64(35336),
		Stdout:                 []byte("0123456789"),
		StdoutTotalBytes:       u64(20000),
		StdoutTruncated:        true,
		Stderr:                 []byte("warning\n"),
		StderrTotalBytes:       u64(8),
	}
	var b bytes.Buffer
	writeRunTable(&b, "run 2/3 [x]: prog -v", &r, "unused")
	want := `run 2/3 [x]: prog -v
  wall          2.000 s
  exit          -1 (signal 9: ` + sigName(9) + `)
  timed out     yes
  cpu           user 0.001 s, system 0.000 s, total 0.001 s
  max rss       0 KiB
  page faults   major 0, minor 77
  ctx switches  voluntary 0, involuntary 5
  block io      read 4096 B, write 0 B
  energy        123456 uJ
  binary        35336 B
  stdout        20000 B (truncated, 10 B kept)
  stderr        8 B
`
	assert.Equal(t, want, b.String())

	b.Reset()
	writeCapturedOutput(&b, &r)
	assert.Equal(t, "--- stdout (first 10 of 20000 B) ---\n0123456789\n--- stderr (8 B) ---\nwarning\n", b.String())
}

func TestRunTableCPUFromCPUMsOnly(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	writeRunTable(&b, "h", &adapters.RunResult{CPUMs: u64(12)}, "n/a (why)")
	assert.Contains(t, b.String(), "\n  max rss       n/a (why)\n")
	assert.Contains(t, b.String(), "\n  cpu           user n/a, system n/a, total 12 ms\n")
}

func TestHostTableFormat(t *testing.T) {
	t.Parallel()
	cpus := uint32(8)
	hash := strings.Repeat("ab", 32)
	var b bytes.Buffer
	writeHostTable(&b, &adapters.HostInfo{OS: "linux", Arch: "x86_64", CPUCount: &cpus,
		MemoryBytes: u64(16 << 30), HostnameHash: &hash}, true)
	assert.Equal(t, `host
  os            linux
  arch          x86_64
  cpus          8
  memory        17179869184 B (16.0 GiB)
  hostname hash `+hash+`
`, b.String())

	b.Reset()
	writeHostTable(&b, &adapters.HostInfo{}, false)
	assert.Equal(t, `host
  os            n/a
  arch          n/a
  cpus          n/a
  memory        n/a
`, b.String())
}

func TestCommandLine(t *testing.T) {
	t.Parallel()
	assert.Equal(t, `sh -c "exit 3" "" "it's" plain`, commandLine([]string{"sh", "-c", "exit 3", "", "it's", "plain"}))
	assert.Equal(t, `a "\x00"`, commandLine([]string{"a", "\x00"}))
}

func sigName(n int) string { return signalName(n) }

// energy n/a says why (issue 20): no counters on this system, none on
// this machine, or not readable.
func TestEnergyMissingSaysWhy(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "no energy counters are read on darwin", energyMissing("darwin", "/nonexistent"))
	root := t.TempDir()
	assert.Equal(t, "no RAPL energy counters under "+root+" on this machine", energyMissing("linux", root))
}
