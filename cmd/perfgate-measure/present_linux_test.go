package main

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// cliCommand is the test binary run as perfgate-measure itself, with
// main's signal handling, in the environment given after ours less the
// keys that style the output.
func cliCommand(t *testing.T, env []string, args ...string) *exec.Cmd {
	t.Helper()
	exe, err := os.Executable()
	require.NoError(t, err)
	cmd := exec.Command(exe, args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "NO_COLOR=") && !strings.HasPrefix(kv, "TERM=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(append(cmd.Env, cliEnvKey+"=1"), env...)
	return cmd
}

// SIGINT ends perfgate-measure with 130 and SIGTERM with 143, as shells
// report them, once the running command's group is killed: the command
// sleeps a minute, far longer than the bound.
func TestSignalExitStatus(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		sig  syscall.Signal
		want int
		text string
	}{
		{syscall.SIGINT, exitInterrupted, "interrupt"},
		{syscall.SIGTERM, exitTerminated, "terminated"},
	} {
		ready := filepath.Join(t.TempDir(), "ready")
		cmd := cliCommand(t, nil, helperArgs(t, "ready-sleep", []string{"-env", readyEnvKey + "=" + ready}, "60s")...)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		require.NoError(t, cmd.Start())
		done := make(chan struct{})
		go func() {
			defer close(done)
			cmd.Wait()
		}()
		if !awaitReadyFile(ready, done) {
			cmd.Process.Kill()
			<-done // stderr is written until then
			t.Fatalf("the command never signalled it runs: %s", stderr.String())
		}
		signalled := time.Now()
		require.NoError(t, cmd.Process.Signal(tc.sig))
		<-done
		assert.Less(t, time.Since(signalled), 30*time.Second, "the command was killed")
		assert.Equal(t, tc.want, cmd.ProcessState.ExitCode(), "%s: %s", tc.sig, stderr.String())
		assert.Empty(t, stdout.String())
		assert.True(t, strings.HasPrefix(stderr.String(),
			"perfgate-measure: interrupted ("+tc.text+" signal received) during run 1/1, which is not reported: "),
			stderr.String())
	}
}

// Colour by default only on a terminal, and not with NO_COLOR set or on a
// dumb terminal; -style color wins over NO_COLOR.
func TestColourOnTerminal(t *testing.T) {
	t.Parallel()
	unixTool(t, "sh", "this file's tests run on Linux only")
	for _, tc := range []struct {
		env    []string
		style  string
		colour bool
	}{
		{[]string{"TERM=xterm"}, "auto", true},
		{[]string{"TERM=xterm", "NO_COLOR=1"}, "auto", false},
		{[]string{"TERM=xterm", "NO_COLOR="}, "auto", true},
		{[]string{"TERM=dumb"}, "auto", false},
		{[]string{"TERM=xterm", "NO_COLOR=1"}, "color", true},
		{[]string{"TERM=xterm"}, "basic", false},
	} {
		master, terminal := openPTY(t)
		cmd := cliCommand(t, tc.env, "-style", tc.style, "-shell", "-repeat", "2", "-name", "colon", ":")
		var stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = terminal, &stderr
		got := make(chan string)
		go func() {
			b, _ := io.ReadAll(master) // EIO once no process holds the terminal
			got <- string(b)
		}()
		require.NoError(t, cmd.Run())
		terminal.Close()
		screen := <-got
		assert.Contains(t, screen, "summary of 2 runs: ", "%v", tc)
		assert.Equal(t, tc.colour, strings.Contains(screen, "summary of 2 runs: \x1b[1mcolon\x1b[0m\n"), "%v: %q", tc, screen)
		assert.Equal(t, tc.colour, strings.Contains(screen, "\x1b["), "%v", tc)
		assert.NotContains(t, stderr.String(), "\x1b[", "stderr is no terminal")
	}
}

// The progress line follows -style: basic and color draw none on a
// terminal, nocolor and full draw it.
func TestProgressLineStyles(t *testing.T) {
	t.Parallel()
	trueProg := unixTool(t, "true", "this file's tests run on Linux only")
	for _, tc := range []struct {
		style    string
		progress bool
	}{
		{"basic", false}, {"color", false}, {"none", false}, {"nocolor", true}, {"full", true},
	} {
		out, screen := measureOnTerminal(t, "-style", tc.style, "-name", "t", "--", trueProg)
		require.Equal(t, exitOK, out.code, screen)
		if tc.progress {
			assert.Regexp(t, `^\rrun 1/1: t  ░{12} *\r +\r$`, screen, tc.style)
		} else {
			assert.Empty(t, screen, tc.style)
		}
		assert.Equal(t, tc.style == "full" || tc.style == "color", strings.Contains(out.stdout, "\x1b["), tc.style)
	}
}
