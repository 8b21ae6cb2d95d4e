package bench

import (
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/perfgate/adapters"
	"github.com/perfgate/adapters/internal/testcap"
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
	testcap.RunHelper(helperEnvKey, helpers)
	// Every helper this binary re-runs inherits it.
	os.Setenv("GORACE", testcap.ChildGORACE())
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
