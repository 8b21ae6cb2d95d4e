package bench_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/perfgate/adapters"
	"github.com/perfgate/adapters/bench"
)

// A harness runs a command with a warm-up, summarises its wall times,
// checks them for outliers, compares it with a baseline and writes its
// perfgate receipt. The fake runner stands in for adapters.StdProcessRunner;
// Before gives each of its runs a different wall time.
func Example() {
	ctx := context.Background()
	runner := adapters.NewFakeProcessRunner()
	spec := adapters.CommandSpec{Name: "gzip", Argv: []string{"gzip", "-9", "data"}}
	walls := []time.Duration{90, 42, 40, 41, 39} // ms; the first is the warm-up
	next := 0
	series, err := bench.Repeat(ctx, runner, spec, bench.Options{Warmup: 1, Runs: 4,
		Before: func(context.Context, bench.Step) error {
			runner.SetResult(spec.Argv, adapters.RunResult{Wall: walls[next] * time.Millisecond})
			next++
			return nil
		}})
	if err != nil {
		fmt.Println(err)
		return
	}
	ms := bench.WallMillis(series.Runs)
	wall, _ := bench.Summarize(ms)
	sd, _ := wall.SampleStdDev()
	fmt.Printf("%d runs: mean %.2f ms ± %.2f, median %.1f, min %.0f, max %.0f\n", wall.N, *wall.Mean, sd, wall.Median, wall.Min, wall.Max)
	fmt.Println("outliers:", bench.DetectOutliers(ms))

	baseline, _ := bench.Summarize([]float64{20, 21, 19, 20})
	ratio, _ := bench.RelativeSpeed(wall, baseline)
	fmt.Printf("%.2f ± %.2f times the baseline\n", ratio.Value, *ratio.StdDev)

	receipt, err := bench.NewReceipt(series, bench.Tool{Name: "my-harness", Version: "0.1.0"}, adapters.HostInfo{OS: "linux", Arch: "x86_64"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(receipt.Schema, len(receipt.Samples), "samples, wall_ms median", receipt.Stats.WallMs.Median)
	dir, _ := os.MkdirTemp("", "receipt")
	defer os.RemoveAll(dir)
	fmt.Println(receipt.WriteFile(filepath.Join(dir, "gzip.json")))
	// Output:
	// 4 runs: mean 40.50 ms ± 1.29, median 40.5, min 39, max 42
	// outliers: no outliers
	// 2.02 ± 0.10 times the baseline
	// perfgate.run.v1 5 samples, wall_ms median 40
	// <nil>
}
