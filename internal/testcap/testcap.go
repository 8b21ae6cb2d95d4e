// Package testcap is what the packages' tests share: the helper-process
// pattern (RunHelper, ChildGORACE), a cgroup of a test's own, and above
// all skips that let a test skip only where the machine lacks what it
// needs, as told by a probe of the machine written in the tests
// themselves, never by the code under test: a regression in that code then
// fails the test instead of turning it into a skip. It is imported by
// _test.go files only.
//
// Where the environment variable PERFGATE_REQUIRE_ALL is 1 (CI sets it for
// its Linux test run), a missing capability is a failure, not a skip: CI's
// machine is declared capable, so a probe that says otherwise is wrong or
// the machine has changed, and either must be looked at. A capability the
// machine is known to lack is named in PERFGATE_MAY_LACK (names separated
// by spaces or commas); its tests then skip even under
// PERFGATE_REQUIRE_ALL=1.
package testcap

import (
	"os"
	"strings"
	"testing"
)

// RequireAllEnv and MayLackEnv name the environment variables described in
// the package documentation.
const (
	RequireAllEnv = "PERFGATE_REQUIRE_ALL"
	MayLackEnv    = "PERFGATE_MAY_LACK"
)

// SkipUnlessCapable does nothing when missing is empty (the probe found the
// capability named name). Otherwise it skips t saying why, or fails it
// where PERFGATE_REQUIRE_ALL=1 and name is not in PERFGATE_MAY_LACK.
func SkipUnlessCapable(t testing.TB, name, missing string) {
	t.Helper()
	if missing == "" {
		return
	}
	if Strict(name) {
		t.Fatalf("this machine lacks %s (%s), and %s=1 makes that a failure (name it in %s if the machine is known to lack it)",
			name, missing, RequireAllEnv, MayLackEnv)
	}
	t.Skipf("this machine lacks %s: %s", name, missing)
}

// Strict reports whether a missing capability name is a failure here.
func Strict(name string) bool {
	if os.Getenv(RequireAllEnv) != "1" {
		return false
	}
	for _, lack := range strings.FieldsFunc(os.Getenv(MayLackEnv), func(r rune) bool { return r == ' ' || r == ',' }) {
		if lack == name {
			return false
		}
	}
	return true
}
