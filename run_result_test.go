package adapters

import (
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRunResultSucceeded(t *testing.T) {
	sig := 9
	zeroSig := 0
	tests := []struct {
		name string
		r    RunResult
		want bool
	}{
		{"zero", RunResult{}, true},
		{"with output and figures", RunResult{WallMs: 5, Stdout: []byte("x"), CPUMs: uint64Ptr(1)}, true},
		{"exit 1", RunResult{ExitCode: 1}, false},
		{"exit -1", RunResult{ExitCode: -1}, false},
		{"timed out", RunResult{TimedOut: true}, false},
		{"signalled", RunResult{ExitCode: -1, Signal: &sig}, false},
		{"signal with exit 0", RunResult{Signal: &zeroSig}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.r.Succeeded())
		})
	}
}

func TestRunResultErr(t *testing.T) {
	sig := 9
	argv := []string{"prog", "arg 1"}
	tests := []struct {
		name    string
		r       RunResult
		argv    []string
		kind    ErrorKind
		reason  string
		message string
	}{
		{
			name: "exit status", r: RunResult{ExitCode: 3}, argv: argv,
			kind: KindNonZeroExit, reason: "exit status 3",
			message: "command exited unsuccessfully: [prog arg 1]: exit status 3",
		},
		{
			name: "negative exit status", r: RunResult{ExitCode: -2}, argv: argv,
			kind: KindNonZeroExit, reason: "exit status -2",
			message: "command exited unsuccessfully: [prog arg 1]: exit status -2",
		},
		{
			name: "timed out", r: RunResult{TimedOut: true, Wall: 1234567890}, argv: argv,
			kind: KindTimeout, reason: "killed after 1.235s",
			message: "command timed out: [prog arg 1]: killed after 1.235s",
		},
		{
			name: "timeout wins over signal and exit code", r: RunResult{TimedOut: true, ExitCode: -1, Signal: &sig, Wall: 50 * time.Millisecond}, argv: argv,
			kind: KindTimeout, reason: "killed after 50ms",
			message: "command timed out: [prog arg 1]: killed after 50ms",
		},
		{
			name: "signal", r: RunResult{ExitCode: -1, Signal: &sig}, argv: argv,
			kind: KindNonZeroExit, reason: "terminated by " + signalName(9),
			message: "command exited unsuccessfully: [prog arg 1]: terminated by " + signalName(9),
		},
		{
			name: "no argv", r: RunResult{ExitCode: 1}, argv: nil,
			kind: KindNonZeroExit, reason: "exit status 1",
			message: "command exited unsuccessfully: exit status 1",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.r.returned(tt.argv, nil).Err()
			require.Error(t, err)
			assert.Equal(t, tt.message, err.Error())
			var ae *AdapterError
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, tt.kind, ae.Kind)
			assert.Equal(t, strings.Join(tt.argv, " "), ae.Command)
			assert.Equal(t, tt.reason, ae.Reason)
			assert.Nil(t, ae.Err)
			assert.ErrorIs(t, err, tt.kind.Sentinel())
			for _, other := range []error{ErrRunCommand, ErrEmptyArgv, ErrInvalidSpec, ErrTimeout, ErrNonZeroExit, ErrKilled, ErrStdinRead} {
				if other != tt.kind.Sentinel() {
					assert.False(t, errors.Is(err, other), "also matches %v", other)
				}
			}
		})
	}

	var ok RunResult
	assert.NoError(t, ok.returned(argv, nil).Err())
	withFigures := RunResult{WallMs: 1, Stdout: []byte("x"), StdoutTruncated: true}
	assert.NoError(t, withFigures.returned(argv, nil).Err())
}

func TestRunResultErrSignalNameOnLinux(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("signal names differ by platform")
	}
	sig := 9
	r := RunResult{ExitCode: -1, Signal: &sig}
	assert.EqualError(t, r.returned([]string{"sleep", "10"}, nil).Err(),
		"command exited unsuccessfully: [sleep 10]: terminated by signal 9 (killed)")
}
