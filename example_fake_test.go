package adapters_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/perfgate/adapters"
)

// medianWall is the kind of code a downstream package would unit-test with
// a FakeProcessRunner: it runs spec three times and returns the median wall
// time, treating a run that fails or exits unsuccessfully as an error.
func medianWall(ctx context.Context, runner adapters.ProcessRunner, spec adapters.CommandSpec) (time.Duration, error) {
	walls := make([]time.Duration, 0, 3)
	for range 3 {
		r, err := runner.Run(ctx, spec)
		if err != nil {
			return 0, err
		}
		if err := r.Err(); err != nil {
			return 0, err
		}
		walls = append(walls, r.Wall)
	}
	slices.Sort(walls)
	return walls[1], nil
}

func ExampleFakeProcessRunner() {
	ctx := context.Background()
	runner := adapters.NewFakeProcessRunner()
	runner.SetResult([]string{"./bench", "--n", "1000"}, adapters.RunResult{WallMs: 120, Wall: 120 * time.Millisecond})
	runner.SetResult([]string{"./flaky"}, adapters.RunResult{WallMs: 5, ExitCode: 1})
	runner.SetError([]string{"./missing"}, adapters.ErrRunCommand)

	median, err := medianWall(ctx, runner, adapters.CommandSpec{Name: "bench", Argv: []string{"./bench", "--n", "1000"}})
	fmt.Println("median:", median, err)
	fmt.Println("calls:", runner.CallCount(), "ran ./bench:", runner.WasRun([]string{"./bench", "--n", "1000"}))
	fmt.Printf("first call: %s %q\n", runner.History()[0].Name, runner.History()[0].Argv)

	_, err = medianWall(ctx, runner, adapters.CommandSpec{Argv: []string{"./flaky"}})
	fmt.Println(err, errors.Is(err, adapters.ErrNonZeroExit))

	_, err = medianWall(ctx, runner, adapters.CommandSpec{Argv: []string{"./missing"}})
	fmt.Println(errors.Is(err, adapters.ErrRunCommand))

	_, err = medianWall(ctx, runner, adapters.CommandSpec{Argv: []string{"./bench"}})
	fmt.Println(err)

	runner.Clear()
	fmt.Println("calls after Clear:", runner.CallCount())
	// Output:
	// median: 120ms <nil>
	// calls: 3 ran ./bench: true
	// first call: bench ["./bench" "--n" "1000"]
	// command exited unsuccessfully: exit status 1 true
	// true
	// fake: no outcome configured: ["./bench"] (configured: ["./bench" "--n" "1000"], ["./flaky"], ["./missing"])
	// calls after Clear: 0
}

// hostLabel is code under test that takes a HostProbe.
func hostLabel(probe adapters.HostProbe) string {
	info := probe.Probe(adapters.HostProbeOptions{})
	label := info.OS + "/" + info.Arch
	if info.CPUCount != nil {
		label += fmt.Sprintf(", %d CPUs", *info.CPUCount)
	}
	return label
}

func ExampleFakeHostProbe() {
	cpus := uint32(8)
	memory := uint64(16 << 30)
	hash := "0123abcd"
	probe := adapters.NewFakeHostProbe(adapters.HostInfo{
		OS: "linux", Arch: "x86_64", CPUCount: &cpus, MemoryBytes: &memory, HostnameHash: &hash,
	})

	fmt.Println(hostLabel(probe))

	// The hostname hash is reported only when asked for, as by StdHostProbe.
	without, _ := json.Marshal(probe.Probe(adapters.HostProbeOptions{}))
	with, _ := json.Marshal(probe.Probe(adapters.HostProbeOptions{IncludeHostnameHash: true}))
	fmt.Println(string(without))
	fmt.Println(string(with))
	// Output:
	// linux/x86_64, 8 CPUs
	// {"os":"linux","arch":"x86_64","cpu_count":8,"memory_bytes":17179869184}
	// {"os":"linux","arch":"x86_64","cpu_count":8,"memory_bytes":17179869184,"hostname_hash":"0123abcd"}
}
