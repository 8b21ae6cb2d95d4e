//go:build unix || windows

package adapters

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// errors.Is alone tells a run that never started from one the context
// killed from one that timed out, whatever the reason strings say.
func TestRunOutcomesAreToldApartByErrorsIs(t *testing.T) {
	ended, cancel := context.WithCancel(context.Background())
	cancel()
	var runner StdProcessRunner

	_, notStartedErr := runner.Run(ended, helperSpec("exit", "0"))
	require.ErrorIs(t, notStartedErr, ErrRunCommand)
	assert.ErrorIs(t, notStartedErr, context.Canceled)
	assert.NotErrorIs(t, notStartedErr, ErrKilled)

	killed := runCancelledWhenReady(t, runner, helperSpec("ready-block"))
	require.ErrorIs(t, killed.err, ErrKilled)
	assert.ErrorIs(t, killed.err, context.Canceled)
	assert.NotErrorIs(t, killed.err, ErrRunCommand)
	assert.ErrorIs(t, killed.res.Err(), ErrKilled, "the result carries it")
	var ae *AdapterError
	require.ErrorAs(t, killed.err, &ae)
	assert.Equal(t, KindKilled, ae.Kind)

	spec := withReadyTimeout(helperSpec("ready-block"))
	timedOut, err := runner.Run(context.Background(), spec)
	require.NoError(t, err, "a timed-out run is a measurement")
	require.True(t, timedOut.TimedOut)
	assert.ErrorIs(t, timedOut.Err(), ErrTimeout)
	assert.NotErrorIs(t, timedOut.Err(), ErrKilled)
	assert.NotErrorIs(t, timedOut.Err(), ErrRunCommand)
}
