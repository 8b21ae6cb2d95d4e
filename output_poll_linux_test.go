//go:build linux

package adapters

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/perfgate/adapters/internal/capture"
	"github.com/perfgate/adapters/internal/sysproc"
)

// The ppoll loop, with the exit and the output ready at once and a grace
// that is over at once (as on a loaded machine whose loop wakes late): all
// that the pipes hold is read, though the first read takes only up to the
// cap.
func TestPumpOutputDrainsWhatThePipesHold(t *testing.T) {
	var out, errp, exit [2]int
	for _, p := range []*[2]int{&out, &errp, &exit} {
		require.NoError(t, unix.Pipe2(p[:], unix.O_CLOEXEC))
	}
	defer sysproc.CloseFDs([]int{out[0], out[1], errp[0], errp[1], exit[0]})
	_, err := unix.Write(out[1], helperPatternBytes(16003))
	require.NoError(t, err)
	_, err = unix.Write(errp[1], []byte("warning\n"))
	require.NoError(t, err)
	unix.Close(exit[1]) // the exit descriptor reads end of file: readable

	streams := &rawStdio{outR: out[0], errR: errp[0], outW: -1, errW: -1}
	plan := &runPlan{stdout: capture.NewHead(DefaultOutputCapBytes), stderr: capture.NewHead(DefaultOutputCapBytes),
		grace: time.Nanosecond}
	exits := 0
	exited, err := pumpOutput(streams, exit[0], plan, func() (bool, error) { exits++; return true, nil })
	require.NoError(t, err)
	assert.True(t, exited)
	assert.Equal(t, 1, exits)
	assert.Equal(t, uint64(16003), plan.stdout.Total(), "every byte written before the exit")
	assert.Equal(t, uint64(8), plan.stderr.Total())
	assert.Equal(t, helperPatternBytes(DefaultOutputCapBytes), plan.stdout.Bytes())
}
