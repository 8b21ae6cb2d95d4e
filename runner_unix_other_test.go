//go:build unix && !linux

package adapters

import "testing"

// childsOwnRSSRunner is a runner whose max_rss_kb is the child's own even
// for a child smaller than this test process: outside Linux ru_maxrss is
// always the child's own (no vfork fold at exec), so the default runner.
func childsOwnRSSRunner(*testing.T) StdProcessRunner { return StdProcessRunner{} }
