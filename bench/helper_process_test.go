package bench

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/perfgate/adapters"
)

// helperEnvKey puts the test binary in helper mode: it then runs the
// helper its value names, with the arguments after the program name, and
// exits with the helper's code. The tests use it as a real child process
// that needs no compiler, shell or coreutils.
const helperEnvKey = "PERFGATE_BENCH_TEST_HELPER"

var helpers = map[string]func(args []string) int{
	// exit CODE
	"exit": func(args []string) int {
		code, err := strconv.Atoi(args[0])
		if err != nil {
			return 2
		}
		return code
	},
	// block FILE: create FILE, then wait to be killed.
	"block": func(args []string) int {
		if err := os.WriteFile(args[0], nil, 0o644); err != nil {
			return 2
		}
		time.Sleep(time.Hour)
		return 0
	},
}

func TestMain(m *testing.M) {
	if name, ok := os.LookupEnv(helperEnvKey); ok {
		h, found := helpers[name]
		if !found {
			fmt.Fprintf(os.Stderr, "no test helper %q\n", name)
			os.Exit(2)
		}
		os.Exit(h(os.Args[1:]))
	}
	// A binary built with -race sleeps atexit_sleep_ms (1 s) before it
	// exits: every helper and CLI this binary re-runs inherits 0, or each
	// run of the tests' commands would last a second more under -race.
	os.Setenv("GORACE", strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"))
	os.Exit(m.Run())
}

// helperSpec is a spec that runs helper name with args in this test
// binary.
func helperSpec(t *testing.T, name string, args ...string) adapters.CommandSpec {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return adapters.CommandSpec{
		Name: name,
		Argv: append([]string{exe}, args...),
		Env:  []adapters.EnvVar{{Key: helperEnvKey, Value: name}},
	}
}
