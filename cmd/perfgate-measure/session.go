package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"time"

	"github.com/perfgate/adapters"
)

// benchmark is one command to measure.
type benchmark struct {
	number  int    // from 1, in command-line order
	command int    // which command of the command line, from 1 (with parameters, several benchmarks share one)
	label   string // -name, or the command as given
	name    string // -name only, for the run tables' headings
	// hyperfineName is the label without the parameters the command does
	// not use: what hyperfine writes as a result's "command".
	hyperfineName string
	spec          adapters.CommandSpec
	params        []param // the parameters' values, from -parameter-scan or -list
	// shell is the shell's start-up subtracted from the runs' times in
	// summaries, or nil (shellstart.go).
	shell *shellStartup
}

// measurement is what measuring one benchmark gave: every run in order,
// as records (record.go); the warm-up runs only when a file writes them.
type measurement struct {
	bench          *benchmark
	warmups, runs  []runRecord
	started, ended time.Time
	// rssNote is the latest Notes["max_rss_kb"] of a run that had neither
	// a peak memory nor a bound of it, for the summary's n/a.
	rssNote string
	// wall accumulates the wall times for the progress line's estimate.
	wall runningStats
	// failed counts the measured runs that failed and -i ignored.
	failed int
}

// session is one invocation of the command: what to run, where to write.
type session struct {
	o              options
	stdout, stderr io.Writer
	runner         adapters.StdProcessRunner // as the flags configure it
	// exec runs every command: runner, or a test's fake (measureAll).
	exec     adapters.ProcessRunner
	benches  []benchmark
	input    *os.File // -input
	rewind   bool     // whether input is rewound before every run
	progress *progress
	host     *adapters.HostInfo
	blocks   int // text blocks written to stdout, to separate them
	results  []measurement
	keep     keepPolicy // what each run's record keeps beyond its figures
	gc       gcPacer
	out      presentation // -style: colour, progress line, units
	// held are the files that are not regular (FIFOs, devices), opened by
	// checkFiles and written by writeFiles.
	held map[string]*os.File
	// spill keeps the runs' output on disk for -export-output, or nil.
	spill *outputSpill
}

// newSession prepares everything the runs need; on failure it has
// reported why and returns nil and the exit status.
func newSession(o options, stdout, stderr io.Writer) (*session, int) {
	s := &session{o: o, stdout: stdout, stderr: stderr}
	s.runner = adapters.StdProcessRunner{CgroupParent: o.cgroupParent, Direct: !o.spawner}
	if o.tree {
		// The library spawns directly in tree scope; saying so keeps the
		// records from claiming otherwise.
		s.runner.Scope, s.runner.Direct = adapters.ScopeTree, true
	}
	s.exec = s.runner
	s.gc.enabled = runtime.GOOS == "linux" && s.runner.Direct
	s.keep = keepPolicy{details: o.exportJSON != "" || o.receipt != "", output: o.exportOutput}
	s.benches = benchmarks(&o)
	if o.exportOutput {
		sp, err := newOutputSpill()
		if err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", progName, err)
			return nil, exitFailed
		}
		s.spill = sp
	}
	if o.input != "" {
		f, seekable, code := openInput(o.input, len(s.benches)*(o.warmup+o.runsAtLeast()), stderr)
		if f == nil {
			return nil, code
		}
		s.input, s.rewind = f, seekable
		for i := range s.benches {
			s.benches[i].spec.Stdin = f
		}
	}
	s.out = newPresentation(o.style, stdout, stderr, os.Getenv)
	s.out.fixedUnit, _ = parseTimeUnit(o.timeUnit)
	s.progress = newProgress(stderr, s.out.interactive && !o.json && o.output != adapters.OutputInherit)
	if o.host || o.receipt != "" || o.exportJSON != "" {
		info := adapters.StdHostProbe{}.Probe(adapters.HostProbeOptions{IncludeHostnameHash: o.hostnameHash})
		s.host = &info
	}
	return s, exitOK
}

// close clears the progress line and closes the input file.
func (s *session) close() {
	s.progress.clear()
	if s.input != nil {
		s.input.Close()
	}
	for _, f := range s.held {
		f.Close()
	}
	s.spill.close()
}

// openInput opens -input and reports whether it can be rewound. A file
// that cannot seek (a pipe) can feed only one run, so more runs are a
// usage error.
func openInput(path string, runs int, stderr io.Writer) (*os.File, bool, int) {
	f, err := os.Open(path)
	if err != nil {
		fmt.Fprintf(stderr, "%s: -input: %v\n", progName, err)
		return nil, false, exitFailed
	}
	_, err = f.Seek(0, io.SeekCurrent)
	if err != nil && runs > 1 {
		f.Close()
		return nil, false, usageError(stderr, "-input %s cannot be rewound (%v), so it can feed one run, not %d", path, err, runs)
	}
	return f, err == nil, exitOK
}

// benchmarks turns the command line into the commands to measure: each
// command once, or with parameters each command for each set of values,
// the command varying fastest and then the first parameter, as hyperfine
// orders them.
func benchmarks(o *options) []benchmark {
	sets := paramSets(o.axes)
	cmds := o.commandCount()
	perBench := len(o.axes) > 0 && len(o.names) == cmds*len(sets) && len(o.names) > cmds
	benches := make([]benchmark, 0, cmds*len(sets))
	for _, set := range sets {
		for c := range cmds {
			b := benchmark{number: len(benches) + 1, command: c + 1, params: set}
			template := o.commands // the argv after "--"
			if !o.argvForm {
				template = o.commands[c : c+1]
			}
			argv := make([]string, len(template))
			for i, t := range template {
				argv[i] = b.substitute(t)
			}
			switch {
			case o.noShell:
				// Split after substituting, as hyperfine does; the
				// template split when the command line was checked.
				if words, err := splitWords(argv[0]); err == nil {
					argv = words
				} else {
					argv = make([]string, len(o.words[c]))
					for i, w := range o.words[c] {
						argv[i] = b.substitute(w)
					}
				}
			case o.shell:
				argv = o.shellArgv(argv[0])
			}
			switch {
			case perBench:
				b.name = b.substitute(o.names[b.number-1])
				b.label, b.hyperfineName = b.name, b.name
			case c < len(o.names):
				b.hyperfineName = b.substitute(o.names[c])
				b.name = b.hyperfineName + unusedParams(o.names[c:c+1], set)
				b.label = b.name
			case !o.argvForm:
				b.hyperfineName = b.substitute(o.commands[c])
				b.label = b.hyperfineName + unusedParams(template, set)
			default:
				b.hyperfineName = commandLine(argv)
				b.label = b.hyperfineName + unusedParams(template, set)
			}
			b.spec = adapters.CommandSpec{
				Name:           b.label,
				Argv:           argv,
				Cwd:            o.cwd,
				Env:            o.env,
				Timeout:        o.timeout,
				OutputCapBytes: o.outputCap,
				Output:         o.output,
			}
			benches = append(benches, b)
		}
	}
	return benches
}

// substitute replaces each {NAME} in s by the benchmark's value of the
// parameter NAME: for its command, its label, and the commands run around
// it (-prepare, -setup, ...).
func (b *benchmark) substitute(s string) string { return substitute(s, b.params) }

// shellArgv runs command through the platform's shell, as hyperfine does.
func shellArgv(command string) []string {
	switch runtime.GOOS {
	case "windows":
		return []string{"cmd.exe", "/C", command}
	case "plan9":
		return []string{"/bin/rc", "-c", command}
	default:
		return []string{"/bin/sh", "-c", command}
	}
}

// startBlock separates a new block of text output from the previous one.
func (s *session) startBlock() {
	if s.blocks > 0 {
		fmt.Fprintln(s.stdout)
	}
	s.blocks++
}

// errorf reports an error on stderr (clearing the progress line first).
func (s *session) errorf(format string, a ...any) {
	s.progress.clear()
	fmt.Fprintf(s.stderr, "%s: %s\n", progName, fmt.Sprintf(format, a...))
}

// writeHost describes the host first, when -host asked for it.
func (s *session) writeHost() int {
	if !s.o.host {
		return exitOK
	}
	if s.o.json {
		line := struct {
			Host *adapters.HostInfo `json:"host"`
		}{s.host}
		if err := writeJSONLine(s.stdout, line); err != nil {
			s.errorf("%v", err)
			return exitFailed
		}
		return exitOK
	}
	s.startBlock()
	writeHostTable(s.stdout, s.host, s.o.hostnameHash)
	return exitOK
}

// rewindInput seeks -input back to its start before a run.
func (s *session) rewindInput() error {
	if !s.rewind {
		return nil
	}
	if _, err := s.input.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("-input: rewinding %s: %w", s.o.input, err)
	}
	return nil
}
