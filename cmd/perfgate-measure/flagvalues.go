package main

import (
	"errors"
	"strings"

	"github.com/perfgate/adapters"
)

// The flags whose values are not one of the flag package's own kinds.

// envFlag collects repeated -env KEY=VALUE flags.
type envFlag []adapters.EnvVar

func (e *envFlag) String() string {
	if e == nil {
		return ""
	}
	parts := make([]string, len(*e))
	for i, kv := range *e {
		parts[i] = kv.Key + "=" + kv.Value
	}
	return strings.Join(parts, " ")
}

func (e *envFlag) Set(s string) error {
	key, value, ok := strings.Cut(s, "=")
	switch {
	case !ok:
		return errors.New("want KEY=VALUE")
	case key == "":
		return errors.New("empty variable name in KEY=VALUE")
	}
	*e = append(*e, adapters.EnvVar{Key: key, Value: value})
	return nil
}

// stringsFlag collects a repeated flag's values in order.
type stringsFlag []string

func (s *stringsFlag) String() string {
	if s == nil {
		return ""
	}
	return strings.Join(*s, ", ")
}

func (s *stringsFlag) Set(v string) error {
	*s = append(*s, v)
	return nil
}

// outputFlag is -output: capture, inherit or discard.
type outputFlag struct{ mode *adapters.OutputMode }

func (f outputFlag) String() string {
	if f.mode == nil || *f.mode == "" {
		return string(adapters.OutputCapture)
	}
	return string(*f.mode)
}

func (f outputFlag) Set(s string) error {
	switch m := adapters.OutputMode(s); m {
	case adapters.OutputCapture, adapters.OutputInherit, adapters.OutputDiscard:
		*f.mode = m
		return nil
	case "null": // hyperfine's --output names
		*f.mode = adapters.OutputDiscard
		return nil
	case "pipe":
		*f.mode = adapters.OutputCapture
		return nil
	}
	return errors.New("want capture, inherit or discard (or hyperfine's null, pipe, inherit; " +
		"hyperfine's --output=FILE is not supported: use -output inherit and redirect)")
}
