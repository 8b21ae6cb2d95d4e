//go:build unix

package adapters_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/perfgate/adapters"
)

func ExampleStdProcessRunner_Run() {
	var runner adapters.StdProcessRunner
	res, err := runner.Run(context.Background(), adapters.CommandSpec{
		Argv:    []string{"echo", "hello"},
		Timeout: 10 * time.Second,
	})
	if err != nil {
		log.Fatal(err) // the command could not run at all
	}
	fmt.Printf("exit %d, stdout %q\n", res.ExitCode, res.Stdout)
	fmt.Println("wall measured:", res.Wall > 0, "cpu measured:", res.CPUMs != nil)
	// Output:
	// exit 0, stdout "hello\n"
	// wall measured: true cpu measured: true
}

func ExampleStdProcessRunner_Run_timeout() {
	var runner adapters.StdProcessRunner
	spec := adapters.CommandSpec{Argv: []string{"sleep", "10"}, Timeout: 50 * time.Millisecond}
	res, err := runner.Run(context.Background(), spec)
	// A timed-out run is a sample, not a runner failure.
	fmt.Println("error:", err)
	fmt.Println("timed out:", res.TimedOut, "signal:", *res.Signal)
	// Callers that treat it as a failure ask the result.
	fmt.Println(errors.Is(res.Err(), adapters.ErrTimeout))
	// Output:
	// error: <nil>
	// timed out: true signal: 9
	// true
}

func ExampleStdProcessRunner_Run_missingProgram() {
	var runner adapters.StdProcessRunner
	_, err := runner.Run(context.Background(), adapters.CommandSpec{Argv: []string{"no-such-program-here"}})
	var adapterErr *adapters.AdapterError
	if errors.As(err, &adapterErr) {
		fmt.Println(errors.Is(err, adapters.ErrRunCommand), adapterErr.Command, "-", adapterErr.Reason)
	}
	// Output:
	// true no-such-program-here - program not found in PATH
}

func ExampleStdHostProbe_Probe() {
	var probe adapters.StdHostProbe
	info := probe.Probe(adapters.HostProbeOptions{IncludeHostnameHash: true})
	fmt.Println("os and arch in perfgate's naming:", info.OS != "" && info.Arch != "")
	fmt.Println("cpus:", info.CPUCount != nil && *info.CPUCount > 0)
	fmt.Println("hostname hash is hex SHA-256:", len(*info.HostnameHash) == 64)
	// Output:
	// os and arch in perfgate's naming: true
	// cpus: true
	// hostname hash is hex SHA-256: true
}
