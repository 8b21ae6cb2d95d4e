package cgroupfs

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// BenchmarkStaleSweep measures what the stale sweep costs the first run
// under a parent (later runs pay one map lookup: the "cached" case):
//
//	go test -run '^$' -bench StaleSweep -benchtime 50x ./internal/cgroupfs
//
// sweep-us is the median time of one sweep, outside the timed region of
// any run: listing the parent ("list-caller" lists the caller's own
// cgroup, whatever it holds; "none" an empty one), and for each stale
// cgroup opening it, cgroup.kill, waiting for populated 0 and rmdir; in
// "1-populated" a sleeping process has to die first.
func BenchmarkStaleSweep(b *testing.B) {
	usable := usableParent(b)
	b.Run("cached", func(b *testing.B) {
		sweepStaleOnce(usable, RunPaths{})
		for b.Loop() {
			sweepStaleOnce(usable, RunPaths{})
		}
	})
	b.Run("list-caller", func(b *testing.B) {
		benchSweep(b, func() { _, _ = staleRunCgroupNames(usable, ownerGone) })
	})
	for _, tc := range []struct {
		name             string
		empty, populated int
	}{{"none", 0, 0}, {"1-empty", 1, 0}, {"10-empty", 10, 0}, {"1-populated", 0, 1}} {
		b.Run(tc.name, func(b *testing.B) {
			parent, dead := makeTestCgroup(b, usable), deadPid(b)
			var sleepers []*exec.Cmd
			benchSweep(b, func() {
				removed, err := sweepStaleRunCgroups(parent, RunPaths{})
				if err != nil || len(removed) != tc.empty+tc.populated {
					b.Fatalf("removed %v: %v", removed, err)
				}
			}, func() {
				for i := 0; i < tc.empty+tc.populated; i++ {
					dir := filepath.Join(parent, RunName(dead, uint64(i+1)))
					if err := os.Mkdir(dir, 0o755); err != nil {
						b.Fatal(err)
					}
					if i >= tc.empty {
						sleepers = append(sleepers, startSleeperIn(b, dir))
					}
				}
			})
			for _, cmd := range sleepers {
				if err := cmd.Wait(); err == nil {
					b.Fatalf("sleeper %d was not killed", cmd.Process.Pid)
				}
			}
		})
	}
}

// benchSweep runs setup (untimed) then sweep on every iteration and
// reports the median time of sweep as sweep-us.
func benchSweep(b *testing.B, sweep func(), setup ...func()) {
	var us []float64
	for b.Loop() {
		for _, f := range setup {
			f()
		}
		t0 := time.Now()
		sweep()
		us = append(us, float64(time.Since(t0).Nanoseconds())/1e3)
	}
	slices.Sort(us)
	b.ReportMetric(us[len(us)/2], "sweep-us")
}
