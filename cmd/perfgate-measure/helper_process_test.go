package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The helper-process pattern of os/exec's tests: the test binary runs
// itself as the measured command, and TestMain, seeing helperEnvKey in its
// environment (set through perfgate-measure's own -env flag), runs the
// named helper instead of the tests.
const helperEnvKey = "PERFGATE_MEASURE_TEST_HELPER"

var helpers = map[string]func(args []string) int{
	// write N M writes N bytes 'o' to stdout and M bytes 'e' to stderr.
	"write": func(args []string) int {
		if len(args) != 2 {
			return 2
		}
		for i, w := range []*os.File{os.Stdout, os.Stderr} {
			n, err := strconv.Atoi(args[i])
			if err != nil {
				return 2
			}
			if _, err := w.Write(bytes.Repeat([]byte{"oe"[i]}, n)); err != nil {
				return 3
			}
		}
		return 0
	},
	// pwd prints the working directory.
	"pwd": func([]string) int {
		dir, err := os.Getwd()
		if err != nil {
			return 3
		}
		fmt.Println(dir)
		return 0
	},
	// alloc N touches N MiB, so that its peak memory exceeds the test
	// process's own and is reported (see the adapters README on max_rss_kb).
	"alloc": func(args []string) int {
		n, err := strconv.Atoi(args[0])
		if err != nil {
			return 2
		}
		b := make([]byte, n<<20)
		for i := 0; i < len(b); i += 4096 {
			b[i] = 1
		}
		return 0
	},
	// pid-sleep D writes its process id to the file named by readyEnvKey,
	// then sleeps for the duration D.
	"pid-sleep": func(args []string) int { return readySleep(args, strconv.Itoa(os.Getpid())) },
	// stdout-is-null exits 0 when its stdout is the null device, else 1.
	"stdout-is-null": func([]string) int {
		null, err := os.Stat(os.DevNull)
		if err != nil {
			return 3
		}
		out, err := os.Stdout.Stat()
		if err != nil || !os.SameFile(null, out) {
			return 1
		}
		return 0
	},
	// getenv KEY prints the value of KEY.
	"getenv": func(args []string) int {
		fmt.Println(os.Getenv(args[0]))
		return 0
	},
	// cat copies standard input to standard output.
	"cat": func([]string) int {
		if _, err := io.Copy(os.Stdout, os.Stdin); err != nil {
			return 3
		}
		return 0
	},
	// ready-sleep D creates the file named by readyEnvKey, then sleeps
	// for the duration D.
	"ready-sleep": func(args []string) int { return readySleep(args, "ready\n") },
	// await-release FIFO blocks until the test opens FIFO for writing and
	// closes it: the run lasts until the test has seen what it waits for.
	"await-release": func(args []string) int {
		f, err := os.Open(args[0])
		if err != nil {
			return 3
		}
		defer f.Close()
		if _, err := io.Copy(io.Discard, f); err != nil {
			return 3
		}
		return 0
	},
}

// readyEnvKey names the file a helper creates once it runs, for a test
// that must act while the helper runs and not before: the test waits for
// the file (awaitReadyFile), never for a fixed time.
const readyEnvKey = "PERFGATE_MEASURE_TEST_READY"

// readySleep writes content to the file named by readyEnvKey (written
// beside it and renamed into place, so that it appears at once), then
// sleeps for the duration args[0]: a helper that runs until killed.
func readySleep(args []string, content string) int {
	d, err := time.ParseDuration(args[0])
	if err != nil {
		return 2
	}
	path := os.Getenv(readyEnvKey)
	if path == "" {
		fmt.Fprintf(os.Stderr, "%s is not set\n", readyEnvKey)
		return 3
	}
	if err := os.WriteFile(path+".tmp", []byte(content), 0o644); err != nil {
		return 3
	}
	if err := os.Rename(path+".tmp", path); err != nil {
		return 3
	}
	time.Sleep(d)
	return 0
}

// awaitReadyFile waits until the file at path exists, and reports
// whether it does: false when stop is closed first (the run ended) or
// after a deadline far longer than any helper takes to start.
func awaitReadyFile(path string, stop <-chan struct{}) bool {
	ticker := time.NewTicker(2 * time.Millisecond)
	defer ticker.Stop()
	deadline := time.NewTimer(2 * time.Minute)
	defer deadline.Stop()
	for {
		if _, err := os.Stat(path); err == nil {
			return true
		}
		select {
		case <-stop:
			_, err := os.Stat(path)
			return err == nil
		case <-deadline.C:
			return false
		case <-ticker.C:
		}
	}
}

// cliEnvKey in the environment makes the test binary run perfgate-measure
// itself, as main does (signals included), for the tests that need it as a
// process of its own.
const cliEnvKey = "PERFGATE_MEASURE_TEST_CLI"

func TestMain(m *testing.M) {
	if name, ok := os.LookupEnv(helperEnvKey); ok {
		helper, found := helpers[name]
		if !found {
			fmt.Fprintf(os.Stderr, "no test helper %q\n", name)
			os.Exit(2)
		}
		os.Exit(helper(os.Args[1:]))
	}
	if _, ok := os.LookupEnv(cliEnvKey); ok {
		os.Exit(runWithSignals(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// helperArgs returns perfgate-measure arguments running helper with args,
// after flags.
func helperArgs(t *testing.T, helper string, flags []string, args ...string) []string {
	t.Helper()
	exe, err := os.Executable()
	require.NoError(t, err)
	out := append([]string{"-env", helperEnvKey + "=" + helper}, flags...)
	out = append(out, "--", exe)
	return append(out, args...)
}
