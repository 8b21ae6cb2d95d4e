package main

import (
	"flag"
	"fmt"
	"io"
)

const usageLine = "usage: " + progName + " [flags] 'command' ['command'...]   (hyperfine's form)\n" +
	"       " + progName + " [flags] -N 'prog args' ['prog args'...]\n" +
	"       " + progName + " [flags] -- prog [args...]                (/usr/bin/time's form)\n" +
	"       " + progName + " [flags] -shell 'command' ['command'...]\n"

// writeHelp writes -help: what the command does, the flags, the exit
// statuses and examples.
func writeHelp(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprint(w, usageLine+"\n"+helpIntro+"\nFlags:\n")
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
	fmt.Fprint(w, helpOutro)
}

// helpIntro is what -help says before the flags: what the command does.
const helpIntro = "Runs each command string through the shell (with -N split into words and\n" +
	"run without one), or after \"--\" one program without a shell, and prints\n" +
	"what was measured: wall time, exit status, CPU time, peak memory, page\n" +
	"faults, context switches, block I/O, energy and output sizes.\n" +
	"hyperfine's flags are accepted with hyperfine's meanings, short or long\n" +
	"(-r -w -m -M -N -P -D -L -s -p -c -C -i -S -u -n, --export-*, --output,\n" +
	"--show-output, --reference, --time-unit, --command-name, --style, --sort);\n" +
	"two-dash --shell and --show-output are hyperfine's (-S SHELL; the output\n" +
	"through), the one-dash -shell and -show-output this program's own.\n" +
	"Figures the platform cannot give show as n/a, with the reason when known.\n" +
	"Defaults follow the form. Command strings (without -shell): hyperfine's,\n" +
	"an automatic run count, the output to the null device, the summaries only\n" +
	"(-verbose adds a line per run). After \"--\" or with -shell: one run, the\n" +
	"output captured and counted. An automatic count shows the summaries only.\n" +
	"A single run gets a table of every figure; with -repeat n, one line per run\n" +
	"and a summary (mean ± σ, median, min … max, and how many runs had each\n" +
	"figure), with a warning on standard error when statistical outliers are\n" +
	"found or the first run was much slower than the rest. On a terminal a\n" +
	"progress line on standard error shows the runs done, the current run's time,\n" +
	"the current estimate and the time left.\n" +
	"Through the shell, its own start-up is measured first and subtracted from\n" +
	"the summaries, as hyperfine does. -parameter-scan and -parameter-list make\n" +
	"one benchmark per value, with {NAME} replaced in the commands.\n" +
	"Measuring stops at the first run that fails (cannot start, times out,\n" +
	"exits non-zero or is killed by a signal); that run is still printed, and no\n" +
	"summary, export or receipt is written. With -i, runs that exit non-zero or\n" +
	"are killed by a signal are kept, and a warning says how many.\n" +
	"Run control is hyperfine's: -runs auto (or -min-runs, -max-runs,\n" +
	"-time-budget) makes as many runs as fit in the budget at the first run's\n" +
	"time, prepare and conclude included, between the bounds; -setup, then\n" +
	"-prepare, run, -conclude for every run, then -cleanup, each through the\n" +
	"shell, untimed; a failing one stops everything with status 1.\n"

// helpOutro is what -help says after the flags: units, files, the exit
// statuses and examples.
const helpOutro = "\nColour and the progress line follow -style; by default colour only when\n" +
	"stdout is a terminal and NO_COLOR is empty. Times are shown in ms, or in s\n" +
	"from a second up, one unit per table (for a command's run lines, the unit\n" +
	"of its first run); memory in KiB, MiB or GiB by size.\n" +
	"Every file to write is checked before the first run: a path that cannot be\n" +
	"written is reported at once, with status 1, and nothing is run.\n" +
	"\nExit status:\n" +
	"  0    every run exited 0 (with -i: every run started and none timed out)\n" +
	"  1    a run timed out or did not exit 0, a -setup, -prepare, -conclude or\n" +
	"       -cleanup command failed, a file could not be read or written, the\n" +
	"       report could not be written to stdout, or the program could not be\n" +
	"       started for another reason\n" +
	"  2    usage error\n" +
	"  126  the program exists but cannot be executed (permission, format)\n" +
	"  127  the program cannot be found (with -shell the shell reports that\n" +
	"       as the run's exit status 127: status 1)\n" +
	"  129  SIGHUP, 130 SIGINT, 131 SIGQUIT, 143 SIGTERM: the running command's\n" +
	"       process group is killed first\n\n" +
	"Examples:\n" +
	"  " + progName + " -warmup 1 -repeat 5 -timeout 30s -- gzip -kf big.tar\n" +
	"  " + progName + " -shell -repeat 10 'sleep 0.1' 'sleep 0.2'\n" +
	"  " + progName + " -repeat 20 -receipt current.json -- ./bench\n" +
	"  " + progName + " -repeat 5 -parameter-scan level 1 9 -- gzip -k -f -{level} big.tar\n" +
	"  " + progName + " -shell -parameter-list cc gcc,clang '{cc} -O2 -c main.c'\n" +
	"  " + progName + " -runs auto -prepare 'rm -rf /tmp/gocache' -env GOCACHE=/tmp/gocache -- go build ./...\n"
