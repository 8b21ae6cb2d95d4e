package bench_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/perfgate/adapters"
	"github.com/perfgate/adapters/bench"
)

// medianRegressed is a CI gate: it runs spec five times and reports
// whether the median wall time is more than 10 % above baseline. Any
// failed run (not started, killed, timed out, non-zero exit) is the
// error: bench.Repeat stops on it.
func medianRegressed(ctx context.Context, runner adapters.ProcessRunner, spec adapters.CommandSpec, baseline time.Duration) (bool, error) {
	series, err := bench.Repeat(ctx, runner, spec, bench.Options{Runs: 5})
	if err != nil {
		return false, err
	}
	wall, _ := bench.Summarize(bench.WallMillis(series.Runs)) // Runs >= 1 when err is nil
	limit := 1.10 * float64(baseline.Milliseconds())
	return wall.Median > limit, nil
}

// A gate that fails when the median regressed by more than 10 %, tested
// with the fake runner: a series of wall times per test, ready-made
// failures, and errors.Is to tell the failures apart.
func Example_medianGate() {
	ctx := context.Background()
	spec := adapters.CommandSpec{Argv: []string{"./app", "--release"}, Timeout: time.Second}
	ms := func(walls ...int) []adapters.RunResult {
		runs := make([]adapters.RunResult, len(walls))
		for i, w := range walls {
			runs[i] = adapters.RunResult{Wall: time.Duration(w) * time.Millisecond}
		}
		return runs
	}
	runner := adapters.NewFakeProcessRunner()

	// One outlier does not move the median: 109 ms is within 10 % of 100.
	runner.SetResults(spec.Argv, ms(100, 104, 109, 250, 109)...)
	fmt.Println(medianRegressed(ctx, runner, spec, 100*time.Millisecond))

	// 112 ms is not.
	runner.SetResults(spec.Argv, ms(112, 111, 115, 112, 113)...)
	fmt.Println(medianRegressed(ctx, runner, spec, 100*time.Millisecond))

	// A crash on the third run, a run past the spec's Timeout, a program
	// that is not there.
	runner.SetResults(spec.Argv, append(ms(100, 100), adapters.FakeSignaled(11))...)
	_, err := medianRegressed(ctx, runner, spec, 100*time.Millisecond)
	fmt.Println(errors.Is(err, adapters.ErrNonZeroExit))
	runner.SetResults(spec.Argv, ms(100, 2000)...)
	_, err = medianRegressed(ctx, runner, spec, 100*time.Millisecond)
	fmt.Println(errors.Is(err, adapters.ErrTimeout))
	runner.SetResult(spec.Argv, adapters.FakeNotFound(spec.Argv))
	_, err = medianRegressed(ctx, runner, spec, 100*time.Millisecond)
	fmt.Println(errors.Is(err, adapters.ErrRunCommand))

	// A typo in the test's own argv is no failed start.
	_, err = medianRegressed(ctx, runner, adapters.CommandSpec{Argv: []string{"./app", "--relase"}}, time.Second)
	fmt.Println(errors.Is(err, adapters.ErrNotConfigured), errors.Is(err, adapters.ErrRunCommand))
	// Output:
	// false <nil>
	// true <nil>
	// true
	// true
	// true
	// true false
}
