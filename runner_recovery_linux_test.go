//go:build linux

package adapters

import (
	"context"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/perfgate/adapters/internal/sysproc"
)

// One failure must not last for the life of the process, and the
// descriptors the runner keeps must not take the caller's 0, 1 or 2.

// helperEMFILEThenRun runs a child with RLIMIT_NOFILE at the descriptors
// already open (so the runner's first open fails), then again with the
// limit restored, and prints what each run gave.
func helperEMFILEThenRun([]string) int {
	var saved syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &saved); err != nil {
		return helperUsage("getrlimit: %v", err)
	}
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return helperUsage("readdir: %v", err)
	}
	tight := saved
	tight.Cur = uint64(len(entries)) // the directory's own descriptor is closed again
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &tight); err != nil {
		return helperUsage("setrlimit: %v", err)
	}
	_, firstErr := StdProcessRunner{}.Run(context.Background(), helperSpec("echo", "first"))
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &saved); err != nil {
		return helperUsage("setrlimit: %v", err)
	}
	res, secondErr := StdProcessRunner{}.Run(context.Background(), helperSpec("echo", "second"))
	fmt.Printf("first: %v\nsecond: %v %q\npidfd: %v\n", firstErr, secondErr, res.Stdout,
		!strings.Contains(res.Notes["spawner"], "pidfd"))
	return 0
}

func TestRunRecoversFromEMFILE(t *testing.T) {
	res := mustRun(t, helperSpec("emfile-then-run"))
	require.Equal(t, 0, res.ExitCode, "stderr: %s", res.Stderr)
	lines := strings.Split(string(res.Stdout), "\n")
	require.Len(t, lines, 4, "%s", res.Stdout)
	assert.Contains(t, lines[0], "too many open files", "the first run fails with EMFILE")
	assert.Equal(t, `second: <nil> "second\n"`, lines[1], "the next run, with the limit restored, works")
	assert.Equal(t, "pidfd: true", lines[2], "pidfds are not given up for good")
}

// helperClosedStdinRun closes its own stdin, runs a child that reports
// what its stdin holds, then puts a pipe with data on descriptor 0 and
// runs it again: both children must read the null device.
func helperClosedStdinRun([]string) int {
	syscall.Close(0)
	first, err := StdProcessRunner{}.Run(context.Background(), helperSpec("stdin"))
	if err != nil {
		return helperUsage("first run: %v", err)
	}
	null, err := sysproc.DevNull()
	if err != nil {
		return helperUsage("DevNull: %v", err)
	}
	var p [2]int
	if err := syscall.Pipe(p[:]); err != nil {
		return helperUsage("pipe: %v", err)
	}
	syscall.Write(p[1], []byte("the caller's data"))
	if p[0] != 0 {
		unix.Dup2(p[0], 0)
	}
	second, err := StdProcessRunner{}.Run(context.Background(), helperSpec("stdin"))
	if err != nil {
		return helperUsage("second run: %v", err)
	}
	// Through the spawner, the default, whose executable (a memfd kept
	// open) must not have taken the closed descriptor 0 either.
	fmt.Printf("%s%s%v %q %q\n", first.Stdout, second.Stdout, null > 2, first.Notes["spawner"], second.Notes["spawner"])
	return 0
}

func TestRunKeepsItsDescriptorsAboveStdio(t *testing.T) {
	res := mustRun(t, helperSpec("closed-stdin-run"))
	require.Equal(t, 0, res.ExitCode, "stderr: %s", res.Stderr)
	assert.Equal(t, "eof\neof\ntrue \"\" \"\"\n", string(res.Stdout),
		"both children read the null device, kept above descriptor 2, and neither fell back to a direct start")
}
