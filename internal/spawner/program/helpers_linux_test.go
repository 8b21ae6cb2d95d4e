//go:build linux && (amd64 || arm64)

package program

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// The helper-process pattern of os/exec's tests (and the root package's
// helper_process_test.go): the test binary re-executes itself as the
// child the spawner program starts; TestMain, seeing helperEnvKey in its
// environment, runs the named helper instead of the tests.
const helperEnvKey = "PERFGATE_PROGRAM_HELPER"

var helpers = map[string]func(args []string) int{
	"exit":   helperExit,
	"alloc":  helperAlloc,
	"stdio":  helperStdio,
	"status": helperStatus,
	"block":  helperBlock,
	"group":  helperGroup,
}

func TestMain(m *testing.M) {
	if name, ok := os.LookupEnv(helperEnvKey); ok {
		os.Exit(helpers[name](os.Args[1:]))
	}
	// Spawners (whose launcher exits at once) and what they leave behind
	// are re-parented to the test process, which reaps them by pid.
	// qemu-user refuses PR_SET_CHILD_SUBREAPER: the tests that reap what
	// is re-parented skip there.
	subreaper = unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == nil
	os.Exit(m.Run())
}

// emulated says whether the program runs under an emulator (qemu-user
// with binfmt_misc, which also answers uname as the emulated machine):
// its executable is then the emulator's. There the spawner's /proc figures
// (VmHWM, the system call it sits in) are the emulator's.
func emulated(t testing.TB, pid int) bool {
	exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
	require.NoError(t, err)
	return strings.HasPrefix(filepath.Base(exe), "qemu-")
}

// subreaper says whether the test process is a child subreaper.
var subreaper bool

// needSubreaper skips a test that reaps processes re-parented to the test
// process.
func needSubreaper(t testing.TB) {
	if !subreaper {
		t.Skip("PR_SET_CHILD_SUBREAPER refused (qemu-user)")
	}
}

// helperExit exits with its argument.
func helperExit(args []string) int {
	n, _ := strconv.Atoi(args[0])
	return n
}

// helperAlloc maps and touches args[0] MiB (no huge pages), then exits 0.
func helperAlloc(args []string) int {
	mib, _ := strconv.Atoi(args[0])
	if mib == 0 {
		return 0
	}
	b, err := unix.Mmap(-1, 0, mib<<20, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		return 3
	}
	_ = unix.Madvise(b, unix.MADV_NOHUGEPAGE)
	for i := 0; i < len(b); i += 4096 {
		b[i] = 1
	}
	return 0
}

// helperStdio copies stdin to stdout and stderr, prefixed "out:" and "err:".
func helperStdio([]string) int {
	in, err := io.ReadAll(os.Stdin)
	if err != nil {
		return 3
	}
	fmt.Fprintf(os.Stdout, "out:%s", in)
	fmt.Fprintf(os.Stderr, "err:%s", in)
	return 0
}

// helperStatus prints what the child started with: its pid and process
// group, /proc/self/status's SigIgn and SigBlk, RLIMIT_NOFILE, its working
// directory and its arguments.
func helperStatus(args []string) int {
	var lim unix.Rlimit
	_ = unix.Getrlimit(unix.RLIMIT_NOFILE, &lim)
	pgid, _ := unix.Getpgid(0)
	wd, _ := os.Getwd()
	fmt.Printf("pid=%d\npgid=%d\nnofile=%d,%d\ncwd=%s\nargs=%q\n", os.Getpid(), pgid, lim.Cur, lim.Max, wd, args)
	status, _ := os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(status), "\n") {
		if strings.HasPrefix(line, "SigIgn:") || strings.HasPrefix(line, "SigBlk:") {
			k, v, _ := strings.Cut(line, ":")
			fmt.Printf("%s=%s\n", k, strings.TrimSpace(v))
		}
	}
	return 0
}

// helperBlock reads its stdin until end of file, then exits 0.
func helperBlock([]string) int {
	_, _ = io.Copy(io.Discard, os.Stdin)
	return 0
}

// helperGroup starts a "block" grandchild in its own process group (the
// child's), prints the grandchild's pid, then blocks as helperBlock.
func helperGroup([]string) int {
	exe, _ := os.Executable()
	pid, err := syscall.ForkExec(exe, []string{exe}, &syscall.ProcAttr{
		Env:   []string{helperEnvKey + "=block"},
		Files: []uintptr{0, 1, 2},
	})
	if err != nil {
		return 3
	}
	fmt.Printf("%d\n", pid)
	return helperBlock(nil)
}

// helperRequest is the request running this test binary as helper name.
func helperRequest(t testing.TB, name string, args ...string) Request {
	exe, err := os.Executable()
	require.NoError(t, err)
	return Request{Path: exe, Argv: append([]string{"helper-" + name}, args...), Env: []string{helperEnvKey + "=" + name}}
}
