//go:build unix

package adapters

// Benchmarks for the README. scripts/bench.sh runs the per-run cost ones
// next to testdata/spawnloop.c, the C floor (posix_spawn + pipes + wait4).
//
//	scripts/bench.sh        # RunTrue, RunTrueWithTimeout, OSExecTrue vs C
//	go test -run '^$' -bench Sleep25msWallError -benchtime 100x -count 3 .
//	go test -run '^$' -bench Output1GiB -benchtime 5x -count 3 .
//
// Custom metrics:
//
//	wall-err-us     median of Wall - 25ms over the iterations
//	wall-err-p90-us 90th percentile of the same
//	startup-us      median Wall of the same child sleeping 0
//	net-err-us      median of (Wall - 25ms) - Wall(sleeping 0), paired per
//	                iteration: the error without the child's start-up
//	runner-peak-MiB growth of the test process's peak RSS during one run
//	                (the worst run), Linux only
//	heap-peak-MiB   growth of the Go heap during one run (the worst run),
//	                sampled every millisecond with runtime/metrics

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"runtime"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// trueProgram returns the path of true(1), or skips the benchmark.
func trueProgram(b testing.TB) string {
	b.Helper()
	for _, p := range []string{"/bin/true", "/usr/bin/true"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	b.Skip("no /bin/true or /usr/bin/true")
	return ""
}

// benchRunOK runs spec and fails b unless it exited 0.
func benchRunOK(b *testing.B, r *StdProcessRunner, spec CommandSpec) RunResult {
	res, err := r.Run(context.Background(), spec)
	if err != nil {
		b.Fatal(err)
	}
	if !res.Succeeded() {
		b.Fatalf("%v: exit %d, timed out %v, stderr %q", spec.Argv, res.ExitCode, res.TimedOut, res.Stderr)
	}
	return res
}

// BenchmarkRunTrue is the cost of one run of /bin/true with the default
// runner (through the spawner on linux/amd64 and linux/arm64): spawn in a
// new process group, both output pipes drained, reaped with its rusage.
func BenchmarkRunTrue(b *testing.B) {
	r := &StdProcessRunner{}
	spec := CommandSpec{Argv: []string{trueProgram(b)}}
	b.ReportAllocs()
	for b.Loop() {
		benchRunOK(b, r, spec)
	}
}

// BenchmarkRunTrueDirect is BenchmarkRunTrue spawned directly
// (StdProcessRunner.Direct; where there is no spawner the two are the
// same).
func BenchmarkRunTrueDirect(b *testing.B) {
	r := &StdProcessRunner{Direct: true}
	spec := CommandSpec{Argv: []string{trueProgram(b)}}
	b.ReportAllocs()
	for b.Loop() {
		benchRunOK(b, r, spec)
	}
}

// BenchmarkRunTrueInFlight64 is the throughput of runs of /bin/true with
// 64 in flight at once (ns/op is the wall time per run across them all),
// spawned directly and through the spawner.
func BenchmarkRunTrueInFlight64(b *testing.B) {
	for _, mode := range []struct {
		name    string
		spawner bool
	}{{"direct", false}, {"spawner", true}} {
		b.Run(mode.name, func(b *testing.B) {
			r := &StdProcessRunner{Direct: !mode.spawner}
			spec := CommandSpec{Argv: []string{trueProgram(b)}}
			benchRunOK(b, r, spec) // the spawner started outside the timing
			b.SetParallelism((64 + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					// b.Fatal belongs to the benchmark's own goroutine.
					res, err := r.Run(context.Background(), spec)
					if err != nil || !res.Succeeded() {
						b.Errorf("%v: %v, exit %d", spec.Argv, err, res.ExitCode)
						return
					}
				}
			})
		})
	}
}

// BenchmarkRunTrueWithTimeout adds a deadline (a timer armed and stopped
// per run) to BenchmarkRunTrue.
func BenchmarkRunTrueWithTimeout(b *testing.B) {
	r := &StdProcessRunner{}
	spec := CommandSpec{Argv: []string{trueProgram(b)}, Timeout: time.Minute}
	b.ReportAllocs()
	for b.Loop() {
		benchRunOK(b, r, spec)
	}
}

// BenchmarkOSExecTrue runs /bin/true with os/exec for comparison: devnull
// is plain Cmd.Run (stdout and stderr to the null device, no pipes);
// pipes captures both streams into buffers in a new process group, which
// is the work StdProcessRunner does.
func BenchmarkOSExecTrue(b *testing.B) {
	prog := trueProgram(b)
	b.Run("devnull", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := exec.Command(prog).Run(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("pipes", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var stdout, stderr bytes.Buffer
			cmd := exec.Command(prog)
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
			if err := cmd.Run(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkSleep25msWallError measures how far the reported wall time is
// from the 25 ms a child sleeps, with a timeout set. wall-err-us is the
// median of Wall - 25ms. It includes the child's own start-up and exit
// (exec, dynamic loading or Go runtime start) as well as the runner's
// latency, so each iteration also runs the same child with a zero sleep
// (outside the timer) and reports the median of its Wall as startup-us,
// and the median of the paired differences (Wall - 25ms) - Wall(zero) as
// net-err-us: what the sleep's own lateness and the runner add. The helper
// sub-benchmark sleeps with time.Sleep in this test binary re-executed;
// bin-sleep runs /bin/sleep 0.025 for comparison.
func BenchmarkSleep25msWallError(b *testing.B) {
	const sleep = 25 * time.Millisecond
	cases := []struct {
		name string
		spec func(b *testing.B, d time.Duration) CommandSpec
	}{
		{"helper", func(_ *testing.B, d time.Duration) CommandSpec { return helperSpec("sleep", d.String()) }},
		{"bin-sleep", func(b *testing.B, d time.Duration) CommandSpec {
			path, err := exec.LookPath("sleep")
			if err != nil {
				b.Skip("no sleep(1) in PATH")
			}
			return CommandSpec{Argv: []string{path, strconv.FormatFloat(d.Seconds(), 'f', -1, 64)}}
		}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			r := &StdProcessRunner{}
			spec, zero := c.spec(b, sleep), c.spec(b, 0)
			spec.Timeout, zero.Timeout = 10*time.Second, 10*time.Second
			// Warm the page cache: the first exec of a binary is not typical.
			benchRunOK(b, r, spec)
			benchRunOK(b, r, zero)
			var errs, startups, nets []time.Duration
			for b.Loop() {
				wallErr := benchRunOK(b, r, spec).Wall - sleep
				b.StopTimer()
				startup := benchRunOK(b, r, zero).Wall
				b.StartTimer()
				errs = append(errs, wallErr)
				startups = append(startups, startup)
				nets = append(nets, wallErr-startup)
			}
			slices.Sort(errs)
			slices.Sort(startups)
			slices.Sort(nets)
			b.ReportMetric(usOf(quantile(errs, 0.5)), "wall-err-us")
			b.ReportMetric(usOf(quantile(errs, 0.9)), "wall-err-p90-us")
			b.ReportMetric(usOf(quantile(startups, 0.5)), "startup-us")
			b.ReportMetric(usOf(quantile(nets, 0.5)), "net-err-us")
		})
	}
}

func usOf(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }

// quantile returns the q-quantile of sorted (nearest rank; the mean of the
// two middle values for the median of an even count).
func quantile(sorted []time.Duration, q float64) time.Duration {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	if q == 0.5 && n%2 == 0 {
		return (sorted[n/2-1] + sorted[n/2]) / 2
	}
	i := int(q*float64(n)+0.5) - 1
	return sorted[min(max(i, 0), n-1)]
}

// BenchmarkOutput1GiB runs a child that writes 1 GiB to stdout (in 1 MiB
// writes) and reports the throughput (MB/s) and the runner's memory.
//
// runner-peak-MiB is the honest figure: the growth of the test process's
// resident set, peak during the run minus the RSS just before it. The
// kernel keeps the peak (VmHWM) and /proc/self/clear_refs resets it to the
// current RSS before each run, so nothing is missed between samples and
// it counts everything the runner costs: heap, goroutine stacks, runtime
// overhead. heap-peak-MiB is the Go heap's part of it (live and not yet
// collected objects), sampled every millisecond with runtime/metrics,
// which, unlike runtime.ReadMemStats, does not stop the world and so does
// not slow the run it measures. B/op counts everything the run allocated.
func BenchmarkOutput1GiB(b *testing.B) {
	const size = 1 << 30
	r := &StdProcessRunner{}
	spec := helperSpec("write", "stdout", strconv.Itoa(size))
	b.SetBytes(size)
	b.ReportAllocs()
	rssOK := resetPeakRSS()
	var peakRSS, peakHeap uint64
	for b.Loop() {
		b.StopTimer()
		runtime.GC()
		rssBefore, _ := procStatusKiB("VmRSS")
		resetPeakRSS()
		sampler := startHeapSampler(time.Millisecond)
		b.StartTimer()

		res := benchRunOK(b, r, spec)

		b.StopTimer()
		heapGrowth := sampler.stop()
		hwm, ok := procStatusKiB("VmHWM")
		rssOK = rssOK && ok
		if ok && hwm > rssBefore {
			peakRSS = max(peakRSS, (hwm-rssBefore)*1024)
		}
		peakHeap = max(peakHeap, heapGrowth)
		if res.StdoutTotalBytes == nil || *res.StdoutTotalBytes != size || !res.StdoutTruncated || len(res.Stdout) != DefaultOutputCapBytes {
			b.Fatalf("stdout: total %d, kept %d, truncated %v", res.StdoutTotalBytes, len(res.Stdout), res.StdoutTruncated)
		}
		b.StartTimer()
	}
	if rssOK {
		b.ReportMetric(float64(peakRSS)/(1<<20), "runner-peak-MiB")
	}
	b.ReportMetric(float64(peakHeap)/(1<<20), "heap-peak-MiB")
}

// resetPeakRSS sets the kernel's peak-RSS mark (VmHWM) of this process to
// its current RSS (Linux 4.0 and later); it reports whether it could. The
// mark is the one childPeakRSSKiB compares a child's ru_maxrss with; the
// child's figure is inherited from the same mark at exec, so the two stay
// consistent, and benchmarks run after the tests anyway.
func resetPeakRSS() bool {
	if runtime.GOOS != "linux" {
		return false
	}
	return os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
}

// procStatusKiB reads a "Key:   123 kB" line of /proc/self/status.
func procStatusKiB(key string) (uint64, bool) {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, false
	}
	for line := range strings.Lines(string(data)) {
		rest, found := strings.CutPrefix(line, key+":")
		if !found {
			continue
		}
		fields := strings.Fields(rest)
		if len(fields) != 2 || fields[1] != "kB" {
			return 0, false
		}
		v, err := strconv.ParseUint(fields[0], 10, 64)
		return v, err == nil
	}
	return 0, false
}

// heapSampler tracks the peak of the Go heap (object bytes, live or not
// yet collected) above its value when the sampler started.
type heapSampler struct {
	done chan struct{}
	wg   sync.WaitGroup
	base uint64
	peak uint64
}

const heapObjectsMetric = "/memory/classes/heap/objects:bytes"

func readHeapObjects(s []metrics.Sample) uint64 {
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}

func startHeapSampler(every time.Duration) *heapSampler {
	h := &heapSampler{done: make(chan struct{})}
	s := []metrics.Sample{{Name: heapObjectsMetric}}
	h.base = readHeapObjects(s)
	h.peak = h.base
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			select {
			case <-h.done:
				h.peak = max(h.peak, readHeapObjects(s))
				return
			case <-tick.C:
				h.peak = max(h.peak, readHeapObjects(s))
			}
		}
	}()
	return h
}

// stop ends the sampling and returns the peak growth in bytes.
func (h *heapSampler) stop() uint64 {
	close(h.done)
	h.wg.Wait()
	return h.peak - h.base
}
