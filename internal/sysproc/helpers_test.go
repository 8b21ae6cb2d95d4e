//go:build unix

package sysproc

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
)

// The helper-process pattern of os/exec's tests: the test binary
// re-executes itself as a child, and TestMain, seeing helperEnvKey in its
// environment, runs the named helper of helpers instead of the tests.
const helperEnvKey = "PERFGATE_SYSPROC_HELPER"

// helpers are every helper process of this package's tests.
var helpers = map[string]func(args []string) int{
	"exit":    helperExit,
	"block":   helperBlock,
	"group":   helperGroup,
	"nostdin": helperNoStdin,
}

func TestMain(m *testing.M) {
	if name, ok := os.LookupEnv(helperEnvKey); ok {
		os.Exit(helpers[name](os.Args[1:]))
	}
	os.Exit(m.Run())
}

// helperExit exits with its argument.
func helperExit(args []string) int {
	n, _ := strconv.Atoi(args[0])
	return n
}

// helperBlock says "ready" on stdout, then reads its stdin to end of file
// and exits 0.
func helperBlock([]string) int {
	fmt.Println("ready")
	_, _ = io.Copy(io.Discard, os.Stdin)
	return 0
}

// helperGroup starts a "block" grandchild in its own process group,
// prints the grandchild's pid once the grandchild is ready, then blocks.
func helperGroup([]string) int {
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), helperEnvKey+"=block")
	cmd.Stdin = os.Stdin
	out, err := cmd.StdoutPipe()
	if err != nil || cmd.Start() != nil {
		return 3
	}
	if line, _ := bufio.NewReader(out).ReadString('\n'); line != "ready\n" {
		return 4
	}
	fmt.Println(cmd.Process.Pid)
	_, _ = io.Copy(io.Discard, os.Stdin)
	return 0
}

// helperNoStdin closes descriptor 0 and prints the descriptor DevNull
// opens then.
func helperNoStdin([]string) int {
	syscall.Close(0)
	fd, err := DevNull()
	if err != nil {
		return 3
	}
	fmt.Println(fd)
	return 0
}

// helper is a helper process started by a test, in a process group of its
// own, its stdin a pipe the test holds (closing it ends a blocked helper).
type helper struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	out    *bufio.Reader
	reaped bool
}

// startHelper starts the helper name with args; it is killed on cleanup
// should the test not have reaped it.
func startHelper(t *testing.T, name string, args ...string) *helper {
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), helperEnvKey+"="+name, "GORACE=atexit_sleep_ms=0")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	h := &helper{cmd: cmd, stdin: stdin, out: bufio.NewReader(out)}
	t.Cleanup(func() {
		stdin.Close()
		if !h.reaped { // else its group id may have been reused
			KillGroup(cmd.Process.Pid)
			_, _, _ = Reap(cmd.Process.Pid)
		}
		_ = cmd.Process.Release()
	})
	return h
}

// line reads the helper's next line of output, without its newline.
func (h *helper) line(t *testing.T) string {
	s, err := h.out.ReadString('\n')
	require.NoError(t, err, "the helper's output ended: %q", s)
	return strings.TrimSuffix(s, "\n")
}

// reap reaps the helper with Reap.
func (h *helper) reap(t *testing.T) (syscall.WaitStatus, syscall.Rusage) {
	status, usage, err := Reap(h.cmd.Process.Pid)
	require.NoError(t, err)
	h.reaped = true
	return status, usage
}

func mustAtoi(t *testing.T, s string) int {
	n, err := strconv.Atoi(s)
	require.NoError(t, err, "%q", s)
	return n
}
