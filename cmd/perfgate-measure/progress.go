package main

import (
	"io"
	"os"
	"strings"
	"unicode/utf8"
)

// progressWidth bounds the progress line, so that it fits on one line of
// an 80-column terminal: a line that wraps cannot be redrawn with \r.
const progressWidth = 79

// progress draws one line on a terminal, redrawn in place with \r while
// runs go on and cleared before anything else is written. A nil
// *progress draws nothing.
type progress struct {
	w     io.Writer
	shown int // runes of the line now on the screen
}

// newProgress returns a progress line on stderr when enabled and stderr
// is a terminal, else nil.
func newProgress(stderr io.Writer, enabled bool) *progress {
	f, ok := stderr.(*os.File)
	if !enabled || !ok || !isTerminal(f.Fd()) {
		return nil
	}
	return &progress{w: f}
}

// show replaces the line on the screen with line.
func (p *progress) show(line string) {
	if p == nil {
		return
	}
	if utf8.RuneCountInString(line) > progressWidth {
		line = string([]rune(line)[:progressWidth-1]) + "…"
	}
	n := utf8.RuneCountInString(line)
	pad := ""
	if p.shown > n {
		pad = strings.Repeat(" ", p.shown-n)
	}
	io.WriteString(p.w, "\r"+line+pad)
	p.shown = max(n, p.shown)
}

// clear blanks the line, leaving the cursor at its start.
func (p *progress) clear() {
	if p == nil || p.shown == 0 {
		return
	}
	io.WriteString(p.w, "\r"+strings.Repeat(" ", p.shown)+"\r")
	p.shown = 0
}
