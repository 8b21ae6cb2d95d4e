package adapters

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// commonHelpers are the helper processes of the tests of every platform.
// Each platform's own are in its table: unixHelpers, linuxHelpers and
// windowsHelpers, in helpers_unix_test.go, helpers_linux_test.go and
// helpers_windows_test.go; nothing else registers one.
var commonHelpers = []namedHelper{
	{"sleep", helperSleep},
	{"exit", helperExit},
	{"write", helperWrite},
	{"echo", helperEcho},
	{"env", helperEnvVars},
	{"pwd", helperPwd},
	{"ready-block", helperReadyBlock}, // result_error_test.go
}

// helperSleep sleeps for args[0] (a time.ParseDuration string) and exits 0.
func helperSleep(args []string) int {
	if len(args) != 1 {
		return helperUsage("sleep DURATION")
	}
	d, err := time.ParseDuration(args[0])
	if err != nil {
		return helperUsage("sleep: %v", err)
	}
	time.Sleep(d)
	return 0
}

// helperExit exits with the status args[0].
func helperExit(args []string) int {
	if len(args) != 1 {
		return helperUsage("exit CODE")
	}
	code, err := strconv.Atoi(args[0])
	if err != nil {
		return helperUsage("exit: %v", err)
	}
	return code
}

// helperWrite writes args[1] bytes of helperPattern to the stream args[0]:
// stdout, stderr or both (args[1] bytes to each, alternating chunk by
// chunk).
func helperWrite(args []string) int {
	if len(args) != 2 {
		return helperUsage("write stdout|stderr|both BYTES")
	}
	var streams []*os.File
	switch args[0] {
	case "stdout":
		streams = []*os.File{os.Stdout}
	case "stderr":
		streams = []*os.File{os.Stderr}
	case "both":
		streams = []*os.File{os.Stdout, os.Stderr}
	default:
		return helperUsage("write: unknown stream %q", args[0])
	}
	n, err := strconv.ParseInt(args[1], 10, 64)
	if err != nil || n < 0 {
		return helperUsage("write: bad byte count %q", args[1])
	}
	chunk := helperPatternBytes(int(min(n, helperChunkSize)))
	for left := n; left > 0; {
		m := min(left, int64(len(chunk)))
		for _, f := range streams {
			if _, err := f.Write(chunk[:m]); err != nil {
				fmt.Fprintf(os.Stderr, "test helper: write: %v\n", err)
				return 1
			}
		}
		left -= m
	}
	return 0
}

// helperEcho prints its arguments separated by spaces, then a newline.
func helperEcho(args []string) int {
	_, err := fmt.Fprintln(os.Stdout, strings.Join(args, " "))
	return exitCodeOf(err)
}

// helperEnvVars prints the value of each variable named in args, one per
// line (an empty line for an unset variable).
func helperEnvVars(args []string) int {
	var sb strings.Builder
	for _, key := range args {
		sb.WriteString(os.Getenv(key))
		sb.WriteByte('\n')
	}
	_, err := os.Stdout.WriteString(sb.String())
	return exitCodeOf(err)
}

// helperPwd prints the working directory.
func helperPwd(args []string) int {
	dir, err := os.Getwd()
	if err != nil {
		fmt.Fprintf(os.Stderr, "test helper: pwd: %v\n", err)
		return 1
	}
	_, err = fmt.Fprintln(os.Stdout, dir)
	return exitCodeOf(err)
}
