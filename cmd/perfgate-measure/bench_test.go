package main

import (
	"io"
	"strconv"
	"testing"

	"github.com/perfgate/adapters"
)

// The CLI's cost per run over the library's: BenchmarkRunTrue runs
// /bin/true with StdProcessRunner.Run alone, the others through the whole
// command with b.N as -repeat (one JSON line, or one text line and the
// summary, per run). Compare their ns/op with benchstat.

func BenchmarkRunTrue(b *testing.B) {
	trueProg := benchTool(b)
	spec := adapters.CommandSpec{Argv: []string{trueProg}}
	var runner adapters.StdProcessRunner
	for b.Loop() {
		if _, err := runner.Run(b.Context(), spec); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCLITrueJSON(b *testing.B) { benchCLI(b, "-json") }

func BenchmarkCLITrueText(b *testing.B) { benchCLI(b) }

func benchCLI(b *testing.B, flags ...string) {
	trueProg := benchTool(b)
	args := append(flags, "-repeat", strconv.Itoa(b.N), "--", trueProg)
	b.ResetTimer()
	if code := run(b.Context(), args, io.Discard, io.Discard); code != exitOK {
		b.Fatalf("exit status %d", code)
	}
}

func benchTool(b *testing.B) string {
	var runner adapters.StdProcessRunner
	for _, p := range []string{"/bin/true", "/usr/bin/true"} {
		if _, err := runner.Run(b.Context(), adapters.CommandSpec{Argv: []string{p}}); err == nil {
			return p
		}
	}
	b.Skip("no true(1)")
	return ""
}
