//go:build linux

package adapters

// Benchmarks of tree scope for the README:
//
//	scripts/bench.sh        # RunTrue* (process, tree, tree falling back) vs C
//	go test -run '^$' -bench TreeAccuracy -benchtime 20x -count 3 .
//
// Custom metrics of BenchmarkTreeAccuracy, medians over the iterations,
// each iteration one run whose wait4 and cgroup figures are compared:
//
//	wait4-cpu-ms     user+system CPU time from wait4
//	tree-cpu-ms      usage_usec of the run's cgroup
//	tree-minus-wait4-us  the difference: what wait4 missed

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/perfgate/adapters/internal/cgroupfs"
	"github.com/perfgate/adapters/internal/testcap"
)

// requireTreeBench skips b where the machine cannot do tree scope (as
// treeScopeProbe tells) and fails it where it can and the run falls back.
func requireTreeBench(b *testing.B, r *StdProcessRunner, spec CommandSpec) {
	b.Helper()
	testcap.SkipUnlessCapable(b, "cgroup-tree", treeScopeProbe().missing)
	res := benchRunOK(b, r, spec)
	if s := res.Sources["cpu_ms"]; s.Scope != ScopeTree {
		b.Fatalf("the machine can do tree scope, but the run fell back: %s", s.Note)
	}
}

// BenchmarkRunTrueTree is BenchmarkRunTrue in tree scope: a cgroup made,
// the child cloned into it, the cgroup checked at exit, drained, read and
// removed.
func BenchmarkRunTrueTree(b *testing.B) {
	r := &StdProcessRunner{Scope: ScopeTree}
	spec := CommandSpec{Argv: []string{trueProgram(b)}}
	requireTreeBench(b, r, spec)
	b.ReportAllocs()
	for b.Loop() {
		benchRunOK(b, r, spec)
	}
}

// BenchmarkRunTrueTreeFallback asks for tree scope where there is no
// cgroup v2 (a plain directory as CgroupParent): the cost of finding out,
// and of the Sources map.
func BenchmarkRunTrueTreeFallback(b *testing.B) {
	r := &StdProcessRunner{Scope: ScopeTree, CgroupParent: b.TempDir()}
	spec := CommandSpec{Argv: []string{trueProgram(b)}}
	b.ReportAllocs()
	for b.Loop() {
		res := benchRunOK(b, r, spec)
		if res.Sources["cpu_ms"].Scope != ScopeProcess {
			b.Fatalf("sources: %v", res.Sources)
		}
	}
}

// BenchmarkTreeOverhead measures what tree scope adds to a run of
// /bin/true on a loaded machine: each iteration runs it in process scope
// and in tree scope back to back and reports the medians of both and of
// the paired difference (tree-extra-us), so that load drifting over the
// benchmark cancels out. It then makes and finishes an empty cgroup, to
// split the extra into the cgroup's setup (statfs, mkdir, two opens:
// setup-us), its teardown (one read of cgroup.events, cpu.stat,
// memory.peak and io.stat read, rmdir: teardown-us), and the rest, which
// is the clone into the cgroup, the check at exit and Sources. A third
// run asks for tree scope with a plain directory as CgroupParent:
// fallback-extra-us is what finding out that there is no cgroup costs.
func BenchmarkTreeOverhead(b *testing.B) {
	process := &StdProcessRunner{}
	tree := &StdProcessRunner{Scope: ScopeTree}
	fallback := &StdProcessRunner{Scope: ScopeTree, CgroupParent: b.TempDir()}
	spec := CommandSpec{Argv: []string{trueProgram(b)}}
	requireTreeBench(b, tree, spec)
	var processUs, treeUs, extraUs, fallbackExtraUs, setupUs, teardownUs []float64
	for b.Loop() {
		t0 := time.Now()
		benchRunOK(b, process, spec)
		t1 := time.Now()
		benchRunOK(b, tree, spec)
		t2 := time.Now()
		benchRunOK(b, fallback, spec)
		t3 := time.Now()
		cg, err := cgroupfs.OpenRun(tree.CgroupParent, cgroupfs.RunPaths{})
		if err != nil {
			b.Fatal(err)
		}
		t4 := time.Now()
		cg.Finish()
		t5 := time.Now()
		p, t := usOf(t1.Sub(t0)), usOf(t2.Sub(t1))
		processUs, treeUs, extraUs = append(processUs, p), append(treeUs, t), append(extraUs, t-p)
		fallbackExtraUs = append(fallbackExtraUs, usOf(t3.Sub(t2))-p)
		setupUs, teardownUs = append(setupUs, usOf(t4.Sub(t3))), append(teardownUs, usOf(t5.Sub(t4)))
	}
	b.ReportMetric(median(processUs), "process-us")
	b.ReportMetric(median(treeUs), "tree-us")
	b.ReportMetric(median(extraUs), "tree-extra-us")
	b.ReportMetric(median(fallbackExtraUs), "fallback-extra-us")
	b.ReportMetric(median(setupUs), "setup-us")
	b.ReportMetric(median(teardownUs), "teardown-us")
}

// BenchmarkTreeAccuracy compares, run by run, the CPU time the cgroup saw
// with wait4's: for a child that spins 100 ms alone (the two should agree;
// the difference is the margin the cross-check must allow) and for a child
// whose orphan spins 100 ms (wait4 cannot see the orphan).
func BenchmarkTreeAccuracy(b *testing.B) {
	cases := []struct {
		name string
		spec CommandSpec
	}{
		{"spin-100ms", helperSpec("spin", "100ms")},
		{"orphan-spin-100ms", helperSpec("orphan-spin", "100ms")},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			r := StdProcessRunner{Scope: ScopeTree}
			requireTreeBench(b, &r, c.spec)
			spec := c.spec
			env := childEnv(&spec)
			prog, err := resolve(&spec, env)
			if err != nil {
				b.Fatal(err)
			}
			var wait4Ms, treeMs, missedUs []float64
			for b.Loop() {
				plan := r.plan(&spec, prog.Path, env)
				w, err := startAndWait(context.Background(), plan)
				if err != nil {
					b.Fatal(err)
				}
				if w.ExitCode != 0 || w.Signal != 0 || w.Tree == nil || w.Tree.Stats.CPUErr != nil {
					b.Fatalf("exit %d, signal %d, tree %+v, stderr %q", w.ExitCode, w.Signal, w.Tree, plan.Stderr.Bytes())
				}
				waitUs := float64((w.Usage.User + w.Usage.System).Nanoseconds()) / 1e3
				cgroupUs := float64(w.Tree.Stats.CPU.UsageUsec)
				wait4Ms = append(wait4Ms, waitUs/1e3)
				treeMs = append(treeMs, cgroupUs/1e3)
				missedUs = append(missedUs, cgroupUs-waitUs)
			}
			b.ReportMetric(median(wait4Ms), "wait4-cpu-ms")
			b.ReportMetric(median(treeMs), "tree-cpu-ms")
			b.ReportMetric(median(missedUs), "tree-minus-wait4-us")
			slices.Sort(missedUs)
			b.ReportMetric(missedUs[0], "min-tree-minus-wait4-us")
		})
	}
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	n := len(s)
	if n == 0 {
		return 0
	}
	if n%2 == 0 {
		return (s[n/2-1] + s[n/2]) / 2
	}
	return s[n/2]
}
