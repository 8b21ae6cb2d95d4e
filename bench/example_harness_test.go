//go:build unix

package bench_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/perfgate/adapters"
	"github.com/perfgate/adapters/bench"
)

// A harness around the real runner: a warm-up and five measured runs, the
// optional figures read with adapters.Value, the failures told apart with
// errors.Is alone, and a perfgate receipt written.
func Example_harness() {
	ctx := context.Background()
	spec := adapters.CommandSpec{Name: "echo", Argv: []string{"echo", "hello"}, Timeout: 10 * time.Second}
	series, err := bench.Repeat(ctx, adapters.StdProcessRunner{}, spec, bench.Options{Warmup: 1, Runs: 5})
	switch {
	case errors.Is(err, adapters.ErrRunCommand):
		fmt.Println("never started:", err)
		return
	case errors.Is(err, adapters.ErrKilled), errors.Is(err, adapters.ErrTimeout):
		fmt.Println("stopped:", err)
		return
	case err != nil: // ErrNonZeroExit, a hook's error
		fmt.Println("failed:", err)
		return
	}
	last := series.Runs[len(series.Runs)-1]
	fmt.Printf("%d runs, last printed %q, succeeded %t\n", len(series.Runs), last.Stdout, last.Succeeded())

	wall, _ := bench.Summarize(bench.WallMillis(series.Runs))
	fmt.Println("median wall measured:", wall.Median > 0)
	_, haveCPU := adapters.Value(last.CPUMs)
	_, haveRSS := adapters.Value(last.MaxRSSKB)
	fmt.Println("cpu time:", haveCPU, "peak memory or why not:", haveRSS || last.Notes["max_rss_kb"] != "")

	host := adapters.StdHostProbe{}.Probe(adapters.HostProbeOptions{})
	receipt, err := bench.NewReceipt(series, bench.Tool{Name: "harness", Version: "1.0.0"}, host)
	if err != nil {
		fmt.Println(err)
		return
	}
	cpu, _ := adapters.Value(receipt.Stats.CPUMs)
	fmt.Println("stats have cpu_ms:", cpu.Max >= cpu.Min)
	dir, _ := os.MkdirTemp("", "harness")
	defer os.RemoveAll(dir)
	fmt.Println(receipt.WriteFile(filepath.Join(dir, "echo.json")))
	// Output:
	// 5 runs, last printed "hello\n", succeeded true
	// median wall measured: true
	// cpu time: true peak memory or why not: true
	// stats have cpu_ms: true
	// <nil>
}
