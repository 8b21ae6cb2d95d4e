//go:build linux

package adapters

// The spawner and the state of its caller: a child sees the caller's
// state of now, a subreaper caller is left no zombie, a caller without
// stdin keeps descriptor 0 closed. Each runs in a helper process, for it
// changes the process's own state.

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"golang.org/x/sys/unix"

	"github.com/perfgate/adapters/internal/spawner"
	"github.com/perfgate/adapters/internal/sysproc"
	"github.com/perfgate/adapters/internal/testcap"
)

// allowAllFilter adds a seccomp filter that allows everything, on every
// thread (TSYNC).
func allowAllFilter() error {
	prog := []unix.SockFilter{{Code: unix.BPF_RET | unix.BPF_K, K: unix.SECCOMP_RET_ALLOW}}
	fprog := unix.SockFprog{Len: 1, Filter: &prog[0]}
	_, _, errno := unix.Syscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, unix.SECCOMP_FILTER_FLAG_TSYNC,
		uintptr(unsafe.Pointer(&fprog)))
	if errno != 0 {
		return errno
	}
	return nil
}

// helperSpawnerSeccomp adds a seccomp filter after its spawner started,
// then a second one once a new spawner has the first.
func helperSpawnerSeccomp([]string) int {
	got := map[string]seen{"first": runSeen(helperSpec("exit", "0"))}
	for _, name := range []string{"one filter", "two filters"} {
		if err := allowAllFilter(); err != nil {
			return helperUsage("spawner-seccomp: %v", err)
		}
		got[name] = runSeen(helperSpec("exit", "0"))
		got[name+", next run"] = runSeen(helperSpec("exit", "0"))
	}
	return helperJSON(got)
}

// A seccomp filter added after the spawner started is seen, even when the
// caller was in filter mode already (only Seccomp_filters changes then).
func TestSpawnerSeesANewSeccompFilter(t *testing.T) {
	if os.Getuid() != 0 {
		testcap.SkipUnlessCapable(t, "root", "a seccomp filter without no_new_privs needs CAP_SYS_ADMIN")
	}
	var got map[string]seen
	runHelperJSON(t, &got, "spawner-seccomp")
	changed := seen{Note: "started directly: the caller's credentials changed since the spawner started"}
	assert.Equal(t, seen{}, got["first"])
	assert.Equal(t, changed, got["one filter"])
	assert.Equal(t, seen{}, got["one filter, next run"], "a new spawner, with the filter")
	assert.Equal(t, changed, got["two filters"])
	assert.Equal(t, seen{}, got["two filters, next run"])
}

// seen is what a child run through the spawner printed, and the note.
type seen struct {
	Out, Note, Err string
}

// runSeen runs spec through the spawner and says what came of it.
func runSeen(spec CommandSpec) seen {
	res, err := StdProcessRunner{}.Run(context.Background(), spec)
	got := seen{Out: strings.TrimSpace(string(res.Stdout)), Note: res.Notes["spawner"]}
	if err != nil {
		got.Err = err.Error()
	}
	return got
}

// helperSpawnerState changes its umask, a resource limit, its directory
// (args[0]) and finally its credentials (to 65534) after its spawner has
// started, and prints what a child run through the spawner saw each time.
func helperSpawnerState(args []string) int {
	got := map[string]seen{"first": runSeen(helperSpec("exit", "0"))}
	syscall.Umask(0o027)
	got["umask"] = runSeen(helperSpec("umask"))
	got["umask, next run"] = runSeen(helperSpec("umask"))
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_CORE, &lim); err != nil {
		return helperUsage("spawner-state: %v", err)
	}
	lim.Cur = min(lim.Max, 4096)
	if err := unix.Setrlimit(unix.RLIMIT_CORE, &lim); err != nil {
		return helperUsage("spawner-state: %v", err)
	}
	got["rlimit"] = runSeen(helperSpec("rlimit-core"))
	if err := os.Chdir(args[0]); err != nil {
		return helperUsage("spawner-state: %v", err)
	}
	got["cwd"] = runSeen(helperSpec("pwd"))
	if err := syscall.Setgroups(nil); err != nil {
		return helperUsage("spawner-state: %v", err)
	}
	if err := syscall.Setgid(65534); err != nil {
		return helperUsage("spawner-state: %v", err)
	}
	if err := syscall.Setuid(65534); err != nil {
		return helperUsage("spawner-state: %v", err)
	}
	got["uid"] = runSeen(CommandSpec{Argv: []string{"/usr/bin/id", "-u"}})
	return helperJSON(got)
}

// A child started through the spawner sees the caller's state of now, not
// the one the spawner inherited: where the spawner cannot give it, the
// run spawns directly and says why.
func TestSpawnerFollowsTheCallersState(t *testing.T) {
	if os.Getuid() != 0 {
		testcap.SkipUnlessCapable(t, "root", "changing credentials needs root")
	}
	dir := t.TempDir()
	var got map[string]seen
	runHelperJSON(t, &got, "spawner-state", dir)
	assert.Equal(t, seen{}, got["first"])
	assert.Equal(t, seen{Out: "0027", Note: "started directly: the caller's umask changed since the spawner started"}, got["umask"])
	assert.Equal(t, seen{Out: "0027"}, got["umask, next run"], "a new spawner, with the new umask")
	assert.Equal(t, seen{Out: "4096", Note: "started directly: the caller's resource limits changed since the spawner started"}, got["rlimit"])
	assert.Equal(t, seen{Out: dir}, got["cwd"], "an empty Cwd is the caller's directory of now")
	assert.Equal(t, seen{Out: "65534", Note: "started directly: the caller's credentials changed since the spawner started"}, got["uid"])
}

// helperSpawnerSubreaper makes itself a child subreaper, so that its
// spawner becomes its child, kills the spawner, runs again, and prints
// the zombies it is left with.
func helperSpawnerSubreaper([]string) int {
	first, old, err := killSpawnerAsSubreaper()
	if err != nil {
		return helperUsage("spawner-subreaper: %v", err)
	}
	// Wait until it is dead but not reaped: a zombie, which only its
	// parent, this process, can reap. WNOWAIT leaves it so; ECHILD means
	// it is reaped already, which the assertions below accept too.
	var info unix.Siginfo
	_ = sysproc.IgnoringEINTR(func() error { return unix.Waitid(unix.P_PID, old, &info, unix.WEXITED|unix.WNOWAIT, nil) })
	second := runSeen(helperSpec("exit", "0"))
	return helperJSON(map[string]any{"first": first, "second": second, "zombies": zombieChildren(os.Getpid())})
}

// killSpawnerAsSubreaper makes the process a child subreaper, so that
// its spawner becomes its child, runs a child through the spawner, kills
// the spawner and waits until its process has exited (it may be a zombie
// then). It returns what the run saw and the spawner's pid.
func killSpawnerAsSubreaper() (first seen, pid int, err error) {
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		return seen{}, 0, err
	}
	first = runSeen(helperSpec("exit", "0"))
	s := spawner.Live()
	if s == nil {
		return first, 0, fmt.Errorf("no spawner: %+v", first)
	}
	pid = s.Pid()
	_ = syscall.Kill(pid, syscall.SIGKILL)
	s.AwaitExit()
	return first, pid, nil
}

// procState is the state letter and what follows in /proc/PID/stat; ""
// when the process does not exist.
func procState(pid int) string {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return ""
	}
	_, after, _ := strings.Cut(string(stat), ") ")
	return after
}

// zombieChildren lists the zombies whose parent is pid.
func zombieChildren(pid int) []int {
	entries, _ := os.ReadDir("/proc")
	var zombies []int
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		f := strings.Fields(procState(p))
		if len(f) > 1 && f[0] == "Z" && f[1] == strconv.Itoa(pid) {
			zombies = append(zombies, p)
		}
	}
	return zombies
}

// A caller that is a child subreaper (a container's PID 1) is left no
// zombie spawner.
func TestSpawnerLeavesNoZombieToASubreaper(t *testing.T) {
	var got struct {
		First, Second seen
		Zombies       []int
	}
	runHelperJSON(t, &got, "spawner-subreaper")
	assert.Equal(t, seen{}, got.First)
	assert.Equal(t, seen{}, got.Second, "served by a new spawner")
	assert.Empty(t, got.Zombies)
}

// helperSpawnerNoStdin closes its descriptor 0, then runs children through
// the spawner: descriptor 0 must stay closed (the spawner's control socket
// lives above it), and the children read the null device.
func helperSpawnerNoStdin([]string) int {
	// The Go runtime's own epoll descriptor would take 0 on first use:
	// made now, it stays above.
	if r, w, err := os.Pipe(); err == nil {
		r.Close()
		w.Close()
	}
	unix.Close(0)
	spec := helperSpec("exit", "0")
	spec.Output = OutputDiscard
	first := runSeen(spec)
	_, err := unix.FcntlInt(0, unix.F_GETFD, 0)
	fd0 := "closed"
	if err == nil {
		fd0, _ = os.Readlink("/proc/self/fd/0")
	}
	cat := runSeen(helperSpec("cat"))
	return helperJSON(map[string]any{"first": first, "fd0": fd0, "cat": cat})
}

func TestSpawnerControlSocketAboveStdio(t *testing.T) {
	var got struct {
		First, Cat seen
		Fd0        string
	}
	runHelperJSON(t, &got, "spawner-no-stdin")
	assert.Equal(t, seen{}, got.First)
	assert.Equal(t, "closed", got.Fd0)
	assert.Equal(t, seen{}, got.Cat, "read end of file at once")
}
