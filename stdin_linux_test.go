//go:build linux

package adapters

import "testing"

// In tree scope the child is cloned into a cgroup of its own; the
// reader's error is reported as on the other paths.
func TestTreeStdinReaderError(t *testing.T) {
	requireCgroups(t)
	testStdinReaderError(t, treeRunner)
}
