package cgroupfs

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Only cgroups named exactly as a run's, whose owner pid does not exist,
// are removed (with the cgroups inside them). The owner being init, a
// zombie or this process (whose concurrent runs are live) keeps a
// cgroup, and so does any other name.
func TestStaleSweepTakesOnlyDeadOwnersRunCgroups(t *testing.T) {
	usable := usableParent(t)
	parent := makeTestCgroup(t, usable)
	dead, zombie, self := deadPid(t), startZombie(t), os.Getpid()
	d := strconv.Itoa(dead)
	kept := []string{
		RunName(1, 1), RunName(zombie, 1), RunName(self, 1<<40),
		"perfgate-0" + d + "-1", "perfgate-" + d + "-01", "perfgate-" + d, "perfgate-" + d + "-1-1",
		"perfgate-" + d + "-1.old", "xperfgate-" + d + "-1", "Perfgate-" + d + "-1", "perfgate-" + d + "-0",
		RunName(MaxPID+1, 1),
	}
	stale := []string{RunName(dead, 1), RunName(dead, 2)}
	for _, name := range append(slices.Clone(kept), stale...) {
		require.NoError(t, os.Mkdir(filepath.Join(parent, name), 0o755), name)
	}
	require.NoError(t, os.Mkdir(filepath.Join(parent, stale[1], "inner"), 0o755))
	t.Cleanup(func() {
		for _, name := range subcgroups(t, parent) {
			assert.NoError(t, removeCgroupTree(filepath.Join(parent, name)))
		}
	})

	fds := openDescriptors(t)
	removed, err := sweepStaleRunCgroups(parent, RunPaths{})
	require.NoError(t, err)
	assert.Equal(t, fds, openDescriptors(t), "descriptors leaked")
	assert.Equal(t, []string{parent + "/" + stale[0], parent + "/" + stale[1]}, removed)
	slices.Sort(kept)
	assert.Equal(t, kept, subcgroups(t, parent))

	_, err = sweepStaleRunCgroups(filepath.Join(parent, "missing"), RunPaths{})
	assert.ErrorIs(t, err, fs.ErrNotExist)
}

// sweepStaleOnce sweeps a parent the first time only, and remembers only
// a sweep that could list the parent.
func TestStaleSweepOncePerParent(t *testing.T) {
	usable := usableParent(t)
	parent := makeTestCgroup(t, usable)
	first, second := filepath.Join(parent, RunName(deadPid(t), 1)), filepath.Join(parent, RunName(deadPid(t), 2))
	t.Cleanup(func() { _ = removeCgroupTree(first); _ = removeCgroupTree(second) })

	missing := filepath.Join(parent, "later")
	sweepStaleOnce(missing, RunPaths{})
	_, remembered := staleSwept.parents.Load(missing)
	assert.False(t, remembered, "a parent that could not be listed is swept again")

	require.NoError(t, os.Mkdir(first, 0o755))
	sweepStaleOnce(parent, RunPaths{})
	_, err := os.Stat(first)
	assert.ErrorIs(t, err, fs.ErrNotExist, "the first use sweeps")

	require.NoError(t, os.Mkdir(second, 0o755))
	sweepStaleOnce(parent+"/", RunPaths{})
	sweepStaleOnce(parent, RunPaths{})
	assert.DirExists(t, second, "later uses do not")
	require.NoError(t, removeCgroupTree(second))
}
