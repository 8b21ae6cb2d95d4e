//go:build linux

package adapters

// Starting the spawner: a start that fails costs a run nothing beyond its
// own deadline, a start that failed for want of a descriptor is retried
// at the next run, and a subreaper caller reaps a dead spawner at once.
// Each runs in a helper process, for it changes the process's own state
// (its spawner, its limits, its descriptors, its role as a subreaper).

import (
	"context"
	"encoding/json"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/perfgate/adapters/internal/spawner"
	"github.com/perfgate/adapters/internal/testcap"
)

// loader is the dynamic loader through which a program can be started, so
// that its /proc/self/exe is the loader. The spawner does not depend on
// it: it is the library's own bytes, not a copy of the caller.
const loader = "/lib64/ld-linux-x86-64.so.2"

// helperSpawnerDiesAtOnce points the spawner at args[0] (unless it is
// empty: then the spawner program itself), and makes two runs in a row,
// each with a 3 s context. The child is the test binary, named by
// os.Args[0], for os.Executable may be the loader.
func helperSpawnerDiesAtOnce(args []string) int {
	if len(args) > 0 && args[0] != "" {
		spawner.TestHooks.Exe = args[0]
	}
	spec := helperSpec("echo", "hi")
	spec.Argv[0] = os.Args[0]
	var got []seen
	for range 2 {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		res, err := StdProcessRunner{}.Run(ctx, spec)
		cancel()
		one := seen{Out: string(res.Stdout) + "exit " + strconv.Itoa(res.ExitCode), Note: res.Notes["spawner"]}
		if err != nil {
			one.Err = err.Error()
		}
		got = append(got, one)
	}
	return helperJSON(got)
}

// A spawner that exits at once (a program that is not the spawner) costs a
// run nothing: it comes back with its result, spawned directly, well
// within its 3 s context, and so does the next run. A program started
// through the dynamic loader, whose /proc/self/exe is the loader, gets the
// spawner as any other (the spawner of earlier versions, a copy of
// /proc/self/exe, could not serve there).
func TestSpawnerThatDiesAtOnceCostsNoWait(t *testing.T) {
	specs := map[string]CommandSpec{"/bin/true": helperSpec("spawner-dies-at-once", "/bin/true")}
	if _, err := os.Stat(loader); err == nil && runtime.GOARCH == "amd64" {
		spec := helperSpec("spawner-dies-at-once", "")
		spec.Argv = append([]string{loader}, spec.Argv...)
		specs["under the loader"] = spec
	} else {
		testcap.SkipUnlessCapable(t, "dynamic loader", loader+" (amd64) starts a program whose /proc/self/exe is the loader")
	}
	for name, spec := range specs {
		t.Run(name, func(t *testing.T) {
			spec.OutputCapBytes = 1 << 20
			res := mustRun(t, spec)
			require.Equal(t, 0, res.ExitCode, "stderr: %s", res.Stderr)
			var got []seen
			require.NoError(t, json.Unmarshal(res.Stdout, &got), "stdout: %s", res.Stdout)
			require.Len(t, got, 2)
			for i, one := range got {
				assert.Empty(t, one.Err, "run %d", i)
				assert.Equal(t, "hi\nexit 0", one.Out, "run %d", i)
				if name == "under the loader" {
					assert.Empty(t, one.Note, "run %d: through the spawner", i)
				} else {
					assert.Contains(t, one.Note, "started directly: the spawner could not be started", "run %d", i)
				}
			}
		})
	}
}

// helperSpawnerSubreaperReaps makes itself a child subreaper, so that its
// spawner becomes its child, kills the spawner and, without another run,
// waits (10 s at most) until it is no longer a zombie; then retires it and
// waits until no pidfd is left open. It prints what it saw.
func helperSpawnerSubreaperReaps([]string) int {
	first, pid, err := killSpawnerAsSubreaper()
	if err != nil {
		return helperUsage("spawner-subreaper-reaps: %v", err)
	}
	reaped := pollUntil(10*time.Second, func() bool { return !strings.HasPrefix(procState(pid), "Z") })
	spawner.Reset()
	closed := pollUntil(10*time.Second, func() bool { return openPidfds() == 0 })
	return helperJSON(map[string]any{"first": first, "reaped": reaped, "pidfdsClosed": closed, "pidfds": openPidfds()})
}

// pollUntil says whether cond became true within limit, checking it
// every millisecond.
func pollUntil(limit time.Duration, cond func() bool) bool {
	for end := time.Now().Add(limit); !cond(); {
		if time.Now().After(end) {
			return false
		}
		time.Sleep(time.Millisecond)
	}
	return true
}

// openPidfds counts the process's open pidfds.
func openPidfds() int {
	entries, _ := os.ReadDir("/proc/self/fd")
	n := 0
	for _, e := range entries {
		if target, _ := os.Readlink("/proc/self/fd/" + e.Name()); target == "anon_inode:[pidfd]" {
			n++
		}
	}
	return n
}

// A subreaper caller reaps its dead spawner as soon as it dies, not at
// its next run, and leaks no descriptor doing so.
func TestSpawnerReapedByASubreaperWhenItDies(t *testing.T) {
	var got struct {
		First        seen
		Reaped       bool
		PidfdsClosed bool
		Pidfds       int
	}
	runHelperJSON(t, &got, "spawner-subreaper-reaps")
	assert.Equal(t, seen{}, got.First)
	assert.True(t, got.Reaped, "the dead spawner stayed a zombie")
	assert.True(t, got.PidfdsClosed, "%d pidfds left open", got.Pidfds)
}

// helperSpawnerEMFILE lowers its descriptor limit and fills its
// descriptors, then frees one at a time until a run through the spawner
// succeeds: the spawner's start then failed for want of a descriptor,
// while the direct run did not. It restores its limit and descriptors and
// prints that run's note and what the very next run saw.
func helperSpawnerEMFILE([]string) int {
	runSeen(helperSpec("exit", "0")) // the spawner's first start opens what it keeps open
	spawner.Reset()
	var orig unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &orig); err != nil {
		return helperUsage("spawner-emfile: %v", err)
	}
	low := orig
	low.Cur = min(orig.Cur, 256)
	if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &low); err != nil {
		return helperUsage("spawner-emfile: %v", err)
	}
	var fillers []int
	for {
		fd, err := unix.FcntlInt(1, unix.F_DUPFD_CLOEXEC, 3)
		if err != nil {
			break
		}
		fillers = append(fillers, fd)
	}
	var starved seen
	for len(fillers) > 0 {
		unix.Close(fillers[len(fillers)-1])
		fillers = fillers[:len(fillers)-1]
		if starved = runSeen(helperSpec("exit", "0")); starved.Err == "" {
			break
		}
	}
	for _, fd := range fillers {
		unix.Close(fd)
	}
	if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &orig); err != nil {
		return helperUsage("spawner-emfile: %v", err)
	}
	return helperJSON(map[string]seen{"starved": starved, "next": runSeen(helperSpec("exit", "0"))})
}

// A start that failed for want of a descriptor, before any launcher ran,
// is retried at the very next run.
func TestSpawnerStartRetriedAfterEMFILE(t *testing.T) {
	var got map[string]seen
	runHelperJSON(t, &got, "spawner-emfile")
	require.Contains(t, got["starved"].Note, "too many open files", "the start must have failed for want of a descriptor: %+v", got["starved"])
	assert.Empty(t, got["starved"].Err)
	assert.Equal(t, seen{}, got["next"], "served by the spawner")
}
