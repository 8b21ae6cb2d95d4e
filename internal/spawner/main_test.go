package spawner

import (
	"io"
	"os"
	"testing"
)

// helperEnvKey makes the test binary a child for the spawner to run
// instead of running the tests: "exit3" exits with status 3, "block"
// reads its stdin to end of file and exits 0.
const helperEnvKey = "PERFGATE_SPAWNER_TEST_HELPER"

func TestMain(m *testing.M) {
	switch os.Getenv(helperEnvKey) {
	case "exit3":
		os.Exit(3)
	case "block":
		_, _ = io.Copy(io.Discard, os.Stdin)
		os.Exit(0)
	}
	os.Exit(m.Run())
}
