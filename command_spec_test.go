package adapters

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCommandSpecValidateRejects(t *testing.T) {
	tests := []struct {
		name    string
		spec    CommandSpec
		kind    ErrorKind
		reason  string
		message string
	}{
		{"nil argv", CommandSpec{}, KindEmptyArgv, "", "empty argv"},
		{"empty argv", CommandSpec{Argv: []string{}}, KindEmptyArgv, "", "empty argv"},
		{"empty program", CommandSpec{Argv: []string{""}}, KindEmptyArgv, "", "empty argv"},
		{"empty program with args", CommandSpec{Argv: []string{"", "x"}}, KindEmptyArgv, "", "empty argv: [ x]"},
		{
			"NUL in program", CommandSpec{Argv: []string{"pro\x00g"}},
			KindInvalidSpec, "program name contains a NUL byte",
			"invalid command spec: [pro\x00g]: program name contains a NUL byte",
		},
		{
			"NUL in first argument", CommandSpec{Argv: []string{"p", "\x00"}},
			KindInvalidSpec, "argument 1 contains a NUL byte",
			"invalid command spec: [p \x00]: argument 1 contains a NUL byte",
		},
		{
			"NUL in third argument", CommandSpec{Argv: []string{"p", "a", "b", "c\x00d"}},
			KindInvalidSpec, "argument 3 contains a NUL byte",
			"invalid command spec: [p a b c\x00d]: argument 3 contains a NUL byte",
		},
		{
			"NUL in cwd", CommandSpec{Argv: []string{"p"}, Cwd: "/tmp\x00/x"},
			KindInvalidSpec, "working directory contains a NUL byte",
			"invalid command spec: [p]: working directory contains a NUL byte",
		},
		{
			"empty env key", CommandSpec{Argv: []string{"p"}, Env: []EnvVar{{"OK", "1"}, {"", "v"}}},
			KindInvalidSpec, "environment key is empty",
			"invalid command spec: [p]: environment key is empty",
		},
		{
			"= in env key", CommandSpec{Argv: []string{"p"}, Env: []EnvVar{{"A=B", "v"}}},
			KindInvalidSpec, `environment key "A=B" contains '='`,
			`invalid command spec: [p]: environment key "A=B" contains '='`,
		},
		{
			"Windows drive key", CommandSpec{Argv: []string{"p"}, Env: []EnvVar{{"=C:", `C:\`}}},
			KindInvalidSpec, `environment key "=C:" contains '='`,
			`invalid command spec: [p]: environment key "=C:" contains '='`,
		},
		{
			"NUL in env key", CommandSpec{Argv: []string{"p"}, Env: []EnvVar{{"K\x00", "v"}}},
			KindInvalidSpec, `environment key "K\x00" contains a NUL byte`,
			`invalid command spec: [p]: environment key "K\x00" contains a NUL byte`,
		},
		{
			"NUL in env value", CommandSpec{Argv: []string{"p"}, Env: []EnvVar{{"OK", ""}, {"KEY", "v\x00"}}},
			KindInvalidSpec, `value of environment variable "KEY" contains a NUL byte`,
			`invalid command spec: [p]: value of environment variable "KEY" contains a NUL byte`,
		},
		{
			"negative timeout", CommandSpec{Argv: []string{"p"}, Timeout: -time.Second},
			KindInvalidSpec, "negative timeout -1s",
			"invalid command spec: [p]: negative timeout -1s",
		},
		{
			"timeout of -1ns", CommandSpec{Argv: []string{"p"}, Timeout: -1},
			KindInvalidSpec, "negative timeout -1ns",
			"invalid command spec: [p]: negative timeout -1ns",
		},
		// When several things are wrong, the first in this order is named:
		// argv, arguments, working directory, environment, timeout.
		{
			"empty argv before timeout", CommandSpec{Timeout: -1, Cwd: "\x00"},
			KindEmptyArgv, "", "empty argv",
		},
		{
			"program before argument", CommandSpec{Argv: []string{"\x00", "\x00"}},
			KindInvalidSpec, "program name contains a NUL byte",
			"invalid command spec: [\x00 \x00]: program name contains a NUL byte",
		},
		{
			"argument before cwd", CommandSpec{Argv: []string{"p", "\x00"}, Cwd: "\x00"},
			KindInvalidSpec, "argument 1 contains a NUL byte",
			"invalid command spec: [p \x00]: argument 1 contains a NUL byte",
		},
		{
			"cwd before env", CommandSpec{Argv: []string{"p"}, Cwd: "\x00", Env: []EnvVar{{"", ""}}},
			KindInvalidSpec, "working directory contains a NUL byte",
			"invalid command spec: [p]: working directory contains a NUL byte",
		},
		{
			"earlier env entry first", CommandSpec{Argv: []string{"p"}, Env: []EnvVar{{"A", "\x00"}, {"", ""}}},
			KindInvalidSpec, `value of environment variable "A" contains a NUL byte`,
			`invalid command spec: [p]: value of environment variable "A" contains a NUL byte`,
		},
		{
			"= before NUL in key", CommandSpec{Argv: []string{"p"}, Env: []EnvVar{{"A=\x00", "\x00"}}},
			KindInvalidSpec, `environment key "A=\x00" contains '='`,
			`invalid command spec: [p]: environment key "A=\x00" contains '='`,
		},
		{
			"env before timeout", CommandSpec{Argv: []string{"p"}, Env: []EnvVar{{"", ""}}, Timeout: -1},
			KindInvalidSpec, "environment key is empty",
			"invalid command spec: [p]: environment key is empty",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := cloneCommandSpec(tt.spec)
			err := tt.spec.validate()
			require.Error(t, err)
			var ae *AdapterError
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, tt.kind, ae.Kind)
			assert.Equal(t, tt.reason, ae.Reason)
			assert.Equal(t, strings.Join(tt.spec.Argv, " "), ae.Command)
			assert.Nil(t, ae.Err)
			assert.Equal(t, tt.message, err.Error())
			assert.ErrorIs(t, err, tt.kind.Sentinel())
			if tt.kind == KindEmptyArgv {
				assert.NotErrorIs(t, err, ErrInvalidSpec)
			} else {
				assert.NotErrorIs(t, err, ErrEmptyArgv)
			}
			assert.Equal(t, before, tt.spec, "validate changed the spec")
		})
	}
}

func TestCommandSpecValidateAccepts(t *testing.T) {
	for name, spec := range map[string]CommandSpec{
		"program only":        {Argv: []string{"p"}},
		"empty argument":      {Argv: []string{"p", "", " "}},
		"spaces and unicode":  {Argv: []string{"/path with spaces/prog", "ünï", "a=b"}},
		"zero timeout":        {Argv: []string{"p"}, Timeout: 0},
		"positive timeout":    {Argv: []string{"p"}, Timeout: time.Nanosecond},
		"empty env value":     {Argv: []string{"p"}, Env: []EnvVar{{"A", ""}}},
		"= in env value":      {Argv: []string{"p"}, Env: []EnvVar{{"A", "b=c"}}},
		"odd but legal key":   {Argv: []string{"p"}, Env: []EnvVar{{"my key", "v"}, {"ключ", "v"}}},
		"duplicate env keys":  {Argv: []string{"p"}, Env: []EnvVar{{"A", "1"}, {"A", "2"}}},
		"cwd":                 {Argv: []string{"p"}, Cwd: "/tmp"},
		"negative output cap": {Argv: []string{"p"}, OutputCapBytes: -1},
		"name with NUL":       {Name: "\x00", Argv: []string{"p"}},
	} {
		t.Run(name, func(t *testing.T) {
			assert.NoError(t, spec.validate())
		})
	}
}

func TestCommandSpecEffectiveOutputCap(t *testing.T) {
	assert.Equal(t, 8192, DefaultOutputCapBytes)
	tests := []struct {
		in, want int
	}{
		{0, 8192},
		{-1, 0},
		{math.MinInt, 0},
		{1, 1},
		{5, 5},
		{8192, 8192},
		{1 << 20, 1 << 20},
		{math.MaxInt, math.MaxInt},
	}
	for _, tt := range tests {
		s := CommandSpec{OutputCapBytes: tt.in}
		assert.Equal(t, tt.want, s.effectiveOutputCap(), "OutputCapBytes %d", tt.in)
	}
}
