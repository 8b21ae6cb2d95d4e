package programtest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/perfgate/adapters/internal/spawner/program"
	"github.com/perfgate/adapters/internal/sysproc"
)

// The messages written here are the ones program's decoders read.
func TestHelloStarted(t *testing.T) {
	h, err := program.DecodeHello(EncodeHello(program.Hello{Pid: 42, MaxRuns: program.MaxRuns}))
	require.NoError(t, err)
	assert.Equal(t, program.Hello{Pid: 42, MaxRuns: program.MaxRuns}, h)
	_, err = program.DecodeHello(EncodeHello(program.Hello{Pid: 0, MaxRuns: 1}))
	assert.ErrorIs(t, err, program.ErrBadMessage)
	assert.Equal(t, "GSPAWN1\x01", string(EncodeHello(program.Hello{Pid: 1, MaxRuns: 1})[:8]))

	s, err := program.DecodeStarted(EncodeStarted(program.Started{Pid: 7, StartNs: 99}))
	require.NoError(t, err)
	assert.Equal(t, program.Started{Pid: 7, StartNs: 99}, s)
	for _, bad := range []program.Started{{Pid: 0, StartNs: 1}, {Pid: 1 << 23, StartNs: 1}, {Pid: 1, StartNs: 0}} {
		_, err = program.DecodeStarted(EncodeStarted(bad))
		assert.ErrorIs(t, err, program.ErrBadMessage)
	}
}

func TestReplies(t *testing.T) {
	u := sysproc.Usage{User: 1200 * time.Microsecond, System: 2*time.Second + 300*time.Microsecond, MaxRSSRaw: 8704,
		MinorFaults: 500, MajorFaults: 2, InBlocks: 8, OutBlocks: 16, Voluntary: 3, Involuntary: 4}
	p, err := program.DecodeReply(EncodeExited(9, 25*time.Millisecond, u))
	require.NoError(t, err)
	assert.Equal(t, program.Reply{Exited: true, Status: 9, Wall: 25 * time.Millisecond, Usage: u}, p)

	p, err = program.DecodeReply(EncodeFailed(program.StageExec, 2))
	require.NoError(t, err)
	assert.Equal(t, program.Reply{Stage: program.StageExec, Errno: 2}, p)
	assert.Equal(t, "exec", p.Stage.String())

	for _, bad := range [][]byte{
		EncodeFailed(0, 2), EncodeFailed(program.StagePidfd+1, 2), EncodeFailed(program.StageExec, 0),
		EncodeExited(0, 0, u)[:program.ExitedSize-1], append(EncodeFailed(program.StageExec, 2), 0), nil,
	} {
		_, err := program.DecodeReply(bad)
		assert.ErrorIs(t, err, program.ErrBadMessage)
	}
}
