package runloop

import (
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/perfgate/adapters/internal/capture"
	"github.com/perfgate/adapters/internal/spawner/program"
	"github.com/perfgate/adapters/internal/sysproc"
)

// The spawner takes process-scope runs that the caller did not start
// directly; a direct start the caller chose keeps the caller's reason.
func TestSpawnerChoice(t *testing.T) {
	// Probed here, not through pidfdWorks, which is under test.
	fd, err := unix.PidfdOpen(os.Getpid(), 0)
	if !program.Supported || err != nil {
		t.Skipf("no spawner on this architecture, or no pidfds (Linux before 5.3: %v)", err)
	}
	unix.Close(fd)
	use, why := spawnerChoice(&Plan{})
	assert.True(t, use, "on by default")
	assert.Empty(t, why)
	use, why = spawnerChoice(&Plan{Direct: true, DirectWhy: "X is set"})
	assert.False(t, use)
	assert.Equal(t, "X is set", why)
	use, why = spawnerChoice(&Plan{Tree: true})
	assert.False(t, use, "tree scope")
	assert.Empty(t, why, "as documented: no note")
	use, why = spawnerChoice(&Plan{Paths: Paths{NoPidfd: true}})
	assert.False(t, use)
	assert.Equal(t, "the kernel gives no pidfds (Linux before 5.3)", why)
}

// pattern is n bytes of a repeating, recognisable pattern.
func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = 'a' + byte(i%26)
	}
	return b
}

// The ppoll loop, with the exit and the output ready at once and a grace
// that is over at once (as on a loaded machine whose loop wakes late): all
// that the pipes hold is read, though the first read takes only up to the
// cap.
func TestPumpOutputDrainsWhatThePipesHold(t *testing.T) {
	streams, err := capture.OpenStdio(capture.Capture, nil, capture.RawPipes)
	require.NoError(t, err)
	defer streams.CloseAll()
	var exit [2]int
	require.NoError(t, unix.Pipe2(exit[:], unix.O_CLOEXEC))
	defer sysproc.CloseFDs([]int{exit[0]})
	fds := streams.ChildFDs()
	_, err = unix.Write(fds[1], pattern(16003))
	require.NoError(t, err)
	_, err = unix.Write(fds[2], []byte("warning\n"))
	require.NoError(t, err)
	streams.CloseChildEnds()
	unix.Close(exit[1]) // the exit descriptor reads end of file: readable

	const outputCap = 8192
	plan := &Plan{Stdout: capture.NewHead(outputCap), Stderr: capture.NewHead(outputCap), Grace: time.Nanosecond}
	exits := 0
	exited, err := pumpOutput(streams, exit[0], plan, func() (bool, error) { exits++; return true, nil })
	require.NoError(t, err)
	assert.True(t, exited)
	assert.Equal(t, 1, exits)
	assert.Equal(t, uint64(16003), plan.Stdout.Total(), "every byte written before the exit")
	assert.Equal(t, uint64(8), plan.Stderr.Total())
	assert.Equal(t, pattern(outputCap), plan.Stdout.Bytes())
}
