//go:build linux

package adapters

// The spawner and the caller's signal dispositions and mask: a child run
// through it shows the SigIgn and SigBlk lines that a direct child shows.
// It runs in a helper process, for it changes the process's dispositions.

import (
	"context"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/perfgate/adapters/internal/spawner"
)

// sigLines are a child's SigIgn and SigBlk lines, and the spawner's note.
type sigLines struct {
	Ign, Blk, Note, Err string
}

// runSigLines runs cat on its own /proc/self/status (a Go child would
// install its own handlers over inherited SIG_IGN) and keeps its SigIgn
// and SigBlk lines.
func runSigLines(cat string, viaSpawner bool) sigLines {
	res, err := StdProcessRunner{Direct: !viaSpawner}.Run(context.Background(),
		CommandSpec{Argv: []string{cat, "/proc/self/status"}})
	got := sigLines{Note: res.Notes["spawner"]}
	if err != nil {
		got.Err = err.Error()
	}
	for line := range strings.Lines(string(res.Stdout)) {
		if v, ok := strings.CutPrefix(line, "SigIgn:"); ok {
			got.Ign = strings.TrimSpace(v)
		}
		if v, ok := strings.CutPrefix(line, "SigBlk:"); ok {
			got.Blk = strings.TrimSpace(v)
		}
	}
	return got
}

// helperSpawnerSignals ignores SIGTERM, SIGHUP and SIGINT after its
// spawner has started, then takes them back one by one, and prints what
// cat saw, directly and through the spawner, at each step.
func helperSpawnerSignals([]string) int {
	cat, err := exec.LookPath("cat")
	if err != nil {
		return helperUsage("spawner-signals: %v", err)
	}
	got := map[string][2]sigLines{}
	step := func(name string) {
		got[name] = [2]sigLines{runSigLines(cat, false), runSigLines(cat, true)}
	}
	step("start")
	signal.Ignore(syscall.SIGTERM, syscall.SIGHUP, syscall.SIGINT)
	step("ignored, old spawner")
	spawner.Reset()
	step("ignored, new spawner")
	// signal.Reset leaves an ignored signal ignored; Notify takes it back.
	sink := make(chan os.Signal, 1)
	signal.Notify(sink, syscall.SIGTERM)
	step("SIGTERM back")
	signal.Notify(sink, syscall.SIGHUP) // inherited ignored by the new spawner's Go runtime
	step("SIGHUP back")
	// A direct run fails then (the kernel reaps the child itself); the
	// spawner keeps SIGCHLD for itself and gives the child the caller's
	// SIG_IGN.
	signal.Ignore(syscall.SIGCHLD)
	step("SIGCHLD ignored")
	return helperJSON(got)
}

// A child started through the spawner has the signal dispositions and
// mask of a direct child of the caller at the run, whether the spawner
// started before or after the caller changed them.
func TestSpawnerChildSeesTheCallersSignals(t *testing.T) {
	var got map[string][2]sigLines
	runHelperJSON(t, &got, "spawner-signals")
	t.Logf("%+v", got)
	const term, hup, intr = 1 << (15 - 1), 1 << (1 - 1), 1 << (2 - 1)
	for name, want := range map[string]uint64{
		"start": 0, "ignored, old spawner": term | hup | intr, "ignored, new spawner": term | hup | intr,
		"SIGTERM back": hup | intr, "SIGHUP back": intr,
	} {
		direct, via := got[name][0], got[name][1]
		require.NotEmpty(t, direct.Ign, "%s: %+v", name, direct)
		assert.Equal(t, sigLines{Ign: direct.Ign, Blk: direct.Blk}, via, "%s: through the spawner, as directly", name)
		assert.Equal(t, want, parseSigMask(t, direct.Ign)&(term|hup|intr), "%s: SigIgn %s", name, direct.Ign)
	}
	chld := got["SIGCHLD ignored"]
	assert.Contains(t, chld[0].Err, "no child processes", "direct: %+v", chld[0])
	require.Empty(t, chld[1].Err, "through the spawner: %+v", chld[1])
	const sigchld = 1 << (17 - 1)
	assert.Equal(t, uint64(sigchld|intr), parseSigMask(t, chld[1].Ign)&(sigchld|term|hup|intr), "the child inherits SIGCHLD ignored")
}

func parseSigMask(t *testing.T, hex string) uint64 {
	t.Helper()
	v, err := strconv.ParseUint(hex, 16, 64)
	require.NoError(t, err)
	return v
}
