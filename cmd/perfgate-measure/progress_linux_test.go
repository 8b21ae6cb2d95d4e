package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

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

// On a terminal, a progress line on stderr says which run goes on, with a
// bar of the runs done and, from the second, the current estimate and the
// time left; it is blanked before anything else is written and at the end.
// (A run slower than progressEvery on a loaded machine may be redrawn.)
func TestProgressLine(t *testing.T) {
	t.Parallel()
	trueProg := unixTool(t, "true", "this file's tests run on Linux only")
	out, screen := measureOnTerminal(t, "-warmup", "1", "-repeat", "3", "-name", "t", "--", trueProg)
	require.Equal(t, exitOK, out.code)
	assert.Contains(t, out.stdout, "summary of 3 runs: t\n")

	ms := `\d+\.\d{3} m?s`
	draw := func(head, rest string) string { return `\r` + head + rest + `(\r` + head + `[^\r]*)*` }
	blank := `\r +\r`
	want := "^" +
		draw("warm-up run 1/1: t  ", "░{12}") + blank +
		draw("run 1/3: t  ", "░{12}") + blank +
		draw("run 2/3: t  ", "████░{8}  mean "+ms+"  ETA \\d+:\\d\\d") + blank +
		draw("run 3/3: t  ", "████████[█░]{4}  mean "+ms+" ± "+ms+"  ETA \\d+:\\d\\d") + blank +
		`(perfgate-measure: (\x1b\[1;33m)?warning:(\x1b\[0m)? [^\n]*\n)?$` // three runs of true may hold outliers

	assert.Regexp(t, regexp.MustCompile(want), screen)
}

// With several commands the line says which one runs, and warnings go
// out on a clean line.
func TestProgressLineSeveralCommands(t *testing.T) {
	t.Parallel()
	unixTool(t, "sh", "this file's tests run on Linux only")
	out, screen := measureOnTerminal(t, "-shell", "-shell-correction=false", "-repeat", "1", "exit 0", "exit 3")
	require.Equal(t, exitFailed, out.code)
	assert.Regexp(t, `^\rcommand 1/2, run 1/1: exit 0  ░{12}\r +\r\rcommand 2/2, run 1/1: exit 3  ░{12}\r +\r`+
		`perfgate-measure: command 2/2 \(exit 3\), run 1/1: command exited unsuccessfully: .*\n  -i .*\n$`, screen)
}

// The line is redrawn while a run goes on, with the time it has taken:
// each run lasts until the test has seen it redrawn, and the second shows
// the estimate from the first, the bar half full and more, and the ETA.
func TestProgressLineRedrawnDuringRun(t *testing.T) {
	t.Parallel()
	requireRunner(t)
	fifo := filepath.Join(t.TempDir(), "release")
	require.NoError(t, unix.Mkfifo(fifo, 0o600))
	master, terminal := openPTY(t)
	screen := readScreen(master)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	code := make(chan int, 1)
	var stdout strings.Builder
	go func() {
		code <- run(ctx, helperArgs(t, "await-release", []string{"-repeat", "2", "-name", "w"}, fifo), &stdout, terminal)
		terminal.Close()
	}()

	release := func() {
		f, err := os.OpenFile(fifo, os.O_WRONLY, 0)
		if assert.NoError(t, err) {
			f.Close()
		}
	}
	redrawn := func(what string, re *regexp.Regexp) float64 {
		m := screen.await(re)
		if m == nil {
			cancel() // kills the waiting helper
			t.Fatalf("no redraw during %s: %q", what, screen.text.String())
		}
		seconds, err := strconv.ParseFloat(m[1], 64)
		require.NoError(t, err)
		return seconds
	}
	ms := `\d+\.\d{3} m?s`
	first := redrawn("run 1", regexp.MustCompile(`\rrun 1/2: w  ░{12}  (\d+\.\d) s *\r`))
	release()
	second := redrawn("run 2", regexp.MustCompile(`\rrun 2/2: w  ██████[█░]{6}  (\d+\.\d) s  mean `+ms+`  ETA \d+:\d\d *\r`))
	release()
	require.Equal(t, exitOK, <-code, screen.text.String())
	for range screen.chunks {
	}
	assert.GreaterOrEqual(t, first, progressEvery.Seconds(), "redrawn after progressEvery at the earliest")
	assert.GreaterOrEqual(t, second, progressEvery.Seconds())
	assert.Contains(t, stdout.String(), "summary of 2 runs: w")
}

// ptyScreen is what a pseudo-terminal's master side reads: chunks, read
// by a goroutine of its own until the terminal side is closed, and the
// text await has taken in so far.
type ptyScreen struct {
	chunks chan string
	text   strings.Builder
}

func readScreen(master *os.File) *ptyScreen {
	s := &ptyScreen{chunks: make(chan string)}
	go func() {
		defer close(s.chunks)
		buf := make([]byte, 4096)
		for {
			n, err := master.Read(buf)
			if n > 0 {
				s.chunks <- string(buf[:n])
			}
			if err != nil {
				return // EIO once the terminal side is closed
			}
		}
	}()
	return s
}

// await reads the screen until re matches it, and returns the match; nil
// when the screen closes first or after a deadline that only ends a test
// that failed, far beyond what a loaded machine takes.
func (s *ptyScreen) await(re *regexp.Regexp) []string {
	deadline := time.NewTimer(2 * time.Minute)
	defer deadline.Stop()
	for {
		select {
		case chunk, ok := <-s.chunks:
			if !ok {
				return nil
			}
			s.text.WriteString(chunk)
			if m := re.FindStringSubmatch(s.text.String()); m != nil {
				return m
			}
		case <-deadline.C:
			return nil
		}
	}
}

// No progress line with -json, with -output inherit (the command writes to
// the terminal), or when stderr is not a terminal.
func TestNoProgressLine(t *testing.T) {
	t.Parallel()
	trueProg := unixTool(t, "true", "this file's tests run on Linux only")
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
