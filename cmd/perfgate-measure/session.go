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
	number int    // from 1, in command-line order
	label  string // -name, or the command as given
	name   string // -name only, for the run tables' headings
	spec   adapters.CommandSpec
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
	runner         adapters.StdProcessRunner
	benches        []benchmark
	input          *os.File // -input
	rewind         bool     // whether input is rewound before every run
	progress       *progress
	host           *adapters.HostInfo
	blocks         int // text blocks written to stdout, to separate them
	results        []measurement
	keep           keepPolicy // what each run's record keeps beyond its figures
	gc             gcPacer
}

// newSession prepares everything the runs need; on failure it has
// reported why and returns nil and the exit status.
func newSession(o options, stdout, stderr io.Writer) (*session, int) {
	s := &session{o: o, stdout: stdout, stderr: stderr}
	s.runner = adapters.StdProcessRunner{CgroupParent: o.cgroupParent, Spawner: o.spawner}
	if o.tree {
		// The library spawns directly in tree scope whatever Spawner says;
		// leaving it off keeps the records from claiming otherwise.
		s.runner.Scope, s.runner.Spawner = adapters.ScopeTree, false
	}
	s.gc.enabled = runtime.GOOS == "linux" && !s.runner.Spawner
	s.keep = keepPolicy{details: o.exportJSON != "" || o.receipt != "", output: o.exportOutput}
	if o.input != "" {
		f, seekable, code := openInput(o.input, len(o.commands)*(o.warmup+o.runsAtLeast()), stderr)
		if f == nil {
			return nil, code
		}
		s.input, s.rewind = f, seekable
	}
	s.benches = benchmarks(&o, s.input)
	s.progress = newProgress(stderr, !o.json && o.output != adapters.OutputInherit)
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

// benchmarks turns the command line into the commands to measure.
func benchmarks(o *options, input *os.File) []benchmark {
	var argvs [][]string
	if o.shell {
		for _, c := range o.commands {
			argvs = append(argvs, shellArgv(c))
		}
	} else {
		argvs = [][]string{o.commands}
	}
	benches := make([]benchmark, len(argvs))
	for i, argv := range argvs {
		b := benchmark{number: i + 1, spec: adapters.CommandSpec{
			Argv:           argv,
			Cwd:            o.cwd,
			Env:            o.env,
			Timeout:        o.timeout,
			OutputCapBytes: o.outputCap,
			Output:         o.output,
		}}
		if input != nil {
			b.spec.Stdin = input
		}
		switch {
		case i < len(o.names):
			b.name, b.label = o.names[i], o.names[i]
		case o.shell:
			b.label = o.commands[i]
		default:
			b.label = commandLine(argv)
		}
		b.spec.Name = b.label
		benches[i] = b
	}
	return benches
}

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
