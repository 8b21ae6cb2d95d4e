package adapters

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// allKinds lists every ErrorKind with its sentinel.
var allKinds = []struct {
	kind     ErrorKind
	sentinel error
	message  string
}{
	{KindRunCommand, ErrRunCommand, "failed to run command"},
	{KindEmptyArgv, ErrEmptyArgv, "empty argv"},
	{KindInvalidSpec, ErrInvalidSpec, "invalid command spec"},
	{KindTimeout, ErrTimeout, "command timed out"},
	{KindNonZeroExit, ErrNonZeroExit, "command exited unsuccessfully"},
	{KindStdinRead, ErrStdinRead, "reading stdin failed"},
	{KindKilled, ErrKilled, "command killed: context ended"},
}

func TestSentinelMessages(t *testing.T) {
	for _, k := range allKinds {
		assert.EqualError(t, k.sentinel, k.message)
	}
	// Six distinct sentinels.
	for i, a := range allKinds {
		for j, b := range allKinds {
			if i != j {
				assert.False(t, errors.Is(a.sentinel, b.sentinel), "%v is %v", a.sentinel, b.sentinel)
			}
		}
	}
}

func TestErrorKindValues(t *testing.T) {
	// The constants are part of the API; their order is pinned.
	assert.Equal(t, ErrorKind(0), KindRunCommand)
	assert.Equal(t, ErrorKind(1), KindEmptyArgv)
	assert.Equal(t, ErrorKind(2), KindInvalidSpec)
	assert.Equal(t, ErrorKind(3), KindTimeout)
	assert.Same(t, ErrRunCommand, ErrorKind(4).Sentinel(), "4 is no kind any more")
	assert.Equal(t, ErrorKind(5), KindNonZeroExit)
	assert.Equal(t, ErrorKind(6), KindStdinRead)
}

func TestErrorKindSentinelAndString(t *testing.T) {
	for _, k := range allKinds {
		t.Run(k.message, func(t *testing.T) {
			assert.Same(t, k.sentinel, k.kind.Sentinel())
			assert.Equal(t, k.message, k.kind.String())
			assert.Equal(t, k.message, fmt.Sprint(k.kind))
			assert.Equal(t, k.message, fmt.Sprintf("%v", k.kind))
		})
	}
	// A kind outside the constants falls back to ErrRunCommand.
	for _, unknown := range []ErrorKind{-1, 4, 8, 99} {
		assert.Same(t, ErrRunCommand, unknown.Sentinel())
		assert.Equal(t, "failed to run command", unknown.String())
	}
}

func TestAdapterErrorFormat(t *testing.T) {
	tests := []struct {
		name string
		err  *AdapterError
		want string
	}{
		{"kind only", &AdapterError{Kind: KindEmptyArgv}, "empty argv"},
		{"command", &AdapterError{Kind: KindRunCommand, Command: "prog a b"}, "failed to run command: [prog a b]"},
		{"reason", &AdapterError{Kind: KindInvalidSpec, Reason: "negative timeout -1s"}, "invalid command spec: negative timeout -1s"},
		{"err only", &AdapterError{Kind: KindRunCommand, Err: context.Canceled}, "failed to run command: context canceled"},
		{"command and reason", &AdapterError{Kind: KindNonZeroExit, Command: "false", Reason: "exit status 1"}, "command exited unsuccessfully: [false]: exit status 1"},
		{"command and err", &AdapterError{Kind: KindRunCommand, Command: "x", Err: fs.ErrPermission}, "failed to run command: [x]: permission denied"},
		{"reason and err", &AdapterError{Kind: KindRunCommand, Reason: "not started", Err: context.DeadlineExceeded}, "failed to run command: not started: context deadline exceeded"},
		{
			"everything",
			&AdapterError{Kind: KindRunCommand, Command: "./bench --n 1", Reason: "program not found", Err: fs.ErrNotExist},
			"failed to run command: [./bench --n 1]: program not found: file does not exist",
		},
		{"timeout", &AdapterError{Kind: KindTimeout, Command: "sleep 9", Reason: "killed after 1s"}, "command timed out: [sleep 9]: killed after 1s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.err.Error())
		})
	}
}

func TestNewError(t *testing.T) {
	cause := errors.New("cause")
	e := newError(KindInvalidSpec, []string{"prog", "a b", ""}, "why", cause)
	assert.Equal(t, &AdapterError{Kind: KindInvalidSpec, Command: "prog a b ", Reason: "why", Err: cause}, e)
	assert.Equal(t, "invalid command spec: [prog a b ]: why: cause", e.Error())

	e = newError(KindEmptyArgv, nil, "", nil)
	assert.Equal(t, &AdapterError{Kind: KindEmptyArgv}, e)
	assert.Equal(t, "empty argv", e.Error())
}

func TestAdapterErrorIsEachSentinel(t *testing.T) {
	for _, k := range allKinds {
		t.Run(k.message, func(t *testing.T) {
			err := error(newError(k.kind, []string{"p"}, "r", nil))
			assert.ErrorIs(t, err, k.sentinel)
			for _, other := range allKinds {
				if other.kind != k.kind {
					assert.NotErrorIs(t, err, other.sentinel)
				}
			}
			// Wrapped by a caller, it still classifies.
			wrapped := fmt.Errorf("benchmark %q: %w", "b", err)
			assert.ErrorIs(t, wrapped, k.sentinel)
			var ae *AdapterError
			require.ErrorAs(t, wrapped, &ae)
			assert.Equal(t, k.kind, ae.Kind)
		})
	}
}

func TestAdapterErrorIsOnlySentinels(t *testing.T) {
	err := newError(KindRunCommand, []string{"p"}, "", nil)
	assert.False(t, err.Is(errors.New("failed to run command")), "same message, different error")
	assert.False(t, err.Is(nil))
	assert.False(t, errors.Is(err, &AdapterError{Kind: KindRunCommand, Command: "p"}))
	assert.True(t, err.Is(ErrRunCommand))
}

func TestAdapterErrorUnwrapsToOSError(t *testing.T) {
	pathErr := &fs.PathError{Op: "fork/exec", Path: "/no/such/prog", Err: syscall.ENOENT}
	err := error(newError(KindRunCommand, []string{"/no/such/prog"}, "program not found", pathErr))

	assert.ErrorIs(t, err, ErrRunCommand)
	assert.ErrorIs(t, err, fs.ErrNotExist)
	assert.ErrorIs(t, err, syscall.ENOENT)
	assert.NotErrorIs(t, err, fs.ErrPermission)
	assert.NotErrorIs(t, err, ErrInvalidSpec)

	var gotPath *fs.PathError
	require.ErrorAs(t, err, &gotPath)
	assert.Same(t, pathErr, gotPath)

	var ae *AdapterError
	require.ErrorAs(t, err, &ae)
	assert.Same(t, pathErr, ae.Unwrap())
	assert.Equal(t, "failed to run command: [/no/such/prog]: program not found: fork/exec /no/such/prog: "+syscall.ENOENT.Error(), err.Error())

	// Through two more layers of wrapping.
	outer := fmt.Errorf("run 3: %w", fmt.Errorf("bench: %w", err))
	assert.ErrorIs(t, outer, fs.ErrNotExist)
	assert.ErrorIs(t, outer, ErrRunCommand)
	require.ErrorAs(t, outer, &ae)
	assert.Equal(t, "program not found", ae.Reason)

	// exec.ErrNotFound, as a PATH lookup reports it.
	lookErr := &exec.Error{Name: "nope", Err: exec.ErrNotFound}
	err = newError(KindRunCommand, []string{"nope"}, "program not found in PATH", lookErr)
	assert.ErrorIs(t, err, exec.ErrNotFound)
	assert.ErrorIs(t, err, ErrRunCommand)
}

func TestAdapterErrorUnwrapNil(t *testing.T) {
	e := &AdapterError{Kind: KindTimeout}
	assert.Nil(t, e.Unwrap())
	assert.Nil(t, errors.Unwrap(e))
}

func TestAdapterErrorContextCause(t *testing.T) {
	err := newError(KindRunCommand, []string{"p"}, "not started", context.Canceled)
	assert.ErrorIs(t, err, context.Canceled)
	assert.ErrorIs(t, err, ErrRunCommand)
	assert.NotErrorIs(t, err, context.DeadlineExceeded)
}

// An error quotes a bounded part of a huge command line or value, and says
// how much it left out.
func TestErrorQuotesABoundedPart(t *testing.T) {
	huge := strings.Repeat("é", 2<<20) // 4 MiB, two bytes a character
	err := newError(KindRunCommand, []string{"prog", huge}, "cannot start program", nil)
	msg := err.Error()
	assert.Less(t, len(msg), 400, "not 4 MiB")
	assert.True(t, utf8.ValidString(msg), "cut at a character boundary")
	assert.Contains(t, msg, "[prog éé")
	assert.Contains(t, msg, "more bytes)]")
	assert.Equal(t, "prog "+huge, err.Command, "the field keeps the whole command line")

	spec := CommandSpec{Argv: []string{"prog"}, Env: []EnvVar{{Key: huge + "=", Value: "v"}}}
	err2 := spec.validate()
	require.ErrorIs(t, err2, ErrInvalidSpec)
	assert.Less(t, len(err2.Error()), 700)
}
