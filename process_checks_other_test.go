//go:build !linux

package adapters

import "testing"

// childsOwnRSSRunner is a runner whose max_rss_kb is the child's own even
// for a child smaller than this test process: outside Linux ru_maxrss is
// always the child's own (no vfork fold at exec), so the default runner.
func childsOwnRSSRunner(*testing.T) StdProcessRunner { return StdProcessRunner{} }

// assertNoProcessWithEnv would check that no process has entry in its
// environment; without /proc there is no portable way to read another
// process's environment, and the tests check the pids they know instead.
func assertNoProcessWithEnv(*testing.T, string) {}
