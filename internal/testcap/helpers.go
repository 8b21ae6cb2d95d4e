package testcap

import (
	"fmt"
	"os"
	"strings"
)

// RunHelper is the helper-process pattern of os/exec's tests, for a
// TestMain: when envKey is set, this test binary was started as a child
// of its own tests, and it runs the helper envKey names with the
// arguments after the program name and exits with the helper's status (2
// for a name it does not know). Otherwise it returns.
func RunHelper(envKey string, helpers map[string]func(args []string) int) {
	name, ok := os.LookupEnv(envKey)
	if !ok {
		return
	}
	helper, found := helpers[name]
	if !found {
		fmt.Fprintf(os.Stderr, "no test helper %q\n", name)
		os.Exit(2)
	}
	os.Exit(helper(os.Args[1:]))
}

// ChildGORACE is this process's GORACE with atexit_sleep_ms=0 appended (a
// later option wins), for the children a test starts from its own binary:
// one built with -race sleeps atexit_sleep_ms (1 s) before it exits, which
// each measured run would otherwise pay.
func ChildGORACE() string {
	return strings.TrimSpace(os.Getenv("GORACE") + " atexit_sleep_ms=0")
}
