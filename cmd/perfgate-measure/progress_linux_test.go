package main

import (
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/perfgate/adapters/internal/testcap"
)

// openPTY opens a pseudo-terminal pair with output processing off, so that
// what is written to the terminal arrives at the master as it is.
func openPTY(t *testing.T) (master, terminal *os.File) {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		testcap.SkipUnlessCapable(t, "pty", "no pseudo-terminals: "+err.Error())
	}
	t.Cleanup(func() { master.Close() })
	fd := int(master.Fd())
	require.NoError(t, unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0))
	n, err := unix.IoctlGetUint32(fd, unix.TIOCGPTN)
	require.NoError(t, err)
	terminal, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	require.NoError(t, err)
	t.Cleanup(func() { terminal.Close() })
	tio, err := unix.IoctlGetTermios(int(terminal.Fd()), unix.TCGETS)
	require.NoError(t, err)
	tio.Oflag &^= unix.OPOST
	require.NoError(t, unix.IoctlSetTermios(int(terminal.Fd()), unix.TCSETS, tio))
	return master, terminal
}

// measureOnTerminal runs the command with stderr on a pseudo-terminal and
// returns what reached the terminal.
func measureOnTerminal(t *testing.T, args ...string) (outcome, string) {
	t.Helper()
	master, terminal := openPTY(t)
	got := make(chan string)
	go func() {
		b, _ := io.ReadAll(master) // EIO once the terminal side is closed
		got <- string(b)
	}()
	var stdout strings.Builder
	code := run(t.Context(), args, &stdout, terminal)
	terminal.Close()
	return outcome{code: code, stdout: stdout.String()}, <-got
}

// On a terminal, a progress line on stderr says which run goes on and,
// from the second, the current estimate; it is redrawn with \r and
// blanked before anything else is written and at the end.
func TestProgressLine(t *testing.T) {
	t.Parallel()
	trueProg := unixTool(t, "true")
	out, screen := measureOnTerminal(t, "-warmup", "1", "-repeat", "3", "-name", "t", "--", trueProg)
	require.Equal(t, exitOK, out.code)
	assert.Contains(t, out.stdout, "summary of 3 runs: t\n")

	ms := `\d+\.\d{3} m?s`
	draw := func(line string) string { return `\r` + line + ` *` }
	blank := `\r +\r`
	want := "^" +
		draw("warm-up run 1/1: t") + blank +
		draw("run 1/3: t") + blank +
		draw("run 2/3: t, current estimate "+ms) + blank +
		draw("run 3/3: t, current estimate "+ms+" ± "+ms) + blank +
		`(perfgate-measure: (\x1b\[1;33m)?warning:(\x1b\[0m)? [^\n]*\n)?$` // three runs of true may hold outliers

	assert.Regexp(t, regexp.MustCompile(want), screen)
}

// With several commands the line says which one runs, and warnings go
// out on a clean line.
func TestProgressLineSeveralCommands(t *testing.T) {
	t.Parallel()
	unixTool(t, "sh")
	out, screen := measureOnTerminal(t, "-shell", "-shell-correction=false", "-repeat", "1", "exit 0", "exit 3")
	require.Equal(t, exitFailed, out.code)
	assert.Regexp(t, `^\rcommand 1/2, run 1/1: exit 0 *\r +\r\rcommand 2/2, run 1/1: exit 3 *\r +\r`+
		`perfgate-measure: command 2/2 \(exit 3\), run 1/1: command exited unsuccessfully: .*\n$`, screen)
}

// No progress line with -json, with -output inherit (the command writes to
// the terminal), or when stderr is not a terminal.
func TestNoProgressLine(t *testing.T) {
	t.Parallel()
	trueProg := unixTool(t, "true")
	for _, flags := range [][]string{{"-json"}, {"-output", "inherit"}} {
		out, screen := measureOnTerminal(t, append(flags, "-repeat", "2", "--", trueProg)...)
		require.Equal(t, exitOK, out.code, screen)
		assert.Empty(t, screen, "%v", flags)
	}

	f, err := os.CreateTemp(t.TempDir(), "stderr")
	require.NoError(t, err)
	defer f.Close()
	var stdout strings.Builder
	require.Equal(t, exitOK, run(t.Context(), []string{"-repeat", "2", "--", trueProg}, &stdout, f))
	written, err := os.ReadFile(f.Name())
	require.NoError(t, err)
	assert.Empty(t, written, "a file is not a terminal")
	assert.Contains(t, stdout.String(), "summary of 2 runs")
}
