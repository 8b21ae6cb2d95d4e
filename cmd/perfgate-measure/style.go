package main

import (
	"errors"
	"io"
	"os"
)

// outputStyle is -style, hyperfine's --style: which of colour and the
// interactive progress line the report gets. The zero value is auto.
type outputStyle string

const (
	styleAuto    outputStyle = ""        // each by whether its stream is a terminal
	styleFull    outputStyle = "full"    // colour and progress line, terminal or not
	styleBasic   outputStyle = "basic"   // neither
	styleNoColor outputStyle = "nocolor" // progress line, no colour
	styleColor   outputStyle = "color"   // colour, no progress line
	styleNone    outputStyle = "none"    // nothing on stdout; errors and warnings on stderr
)

// styleFlag is -style.
type styleFlag struct{ style *outputStyle }

func (f styleFlag) String() string {
	if f.style == nil || *f.style == styleAuto {
		return "auto"
	}
	return string(*f.style)
}

func (f styleFlag) Set(s string) error {
	switch st := outputStyle(s); st {
	case styleFull, styleBasic, styleNoColor, styleColor, styleNone:
		*f.style = st
		return nil
	case "auto":
		*f.style = styleAuto
		return nil
	}
	return errors.New("want auto, full, basic, nocolor, color or none")
}

// presentation is what -style, the environment and the streams decided
// for the text report, and the state that keeps one unit per table.
type presentation struct {
	// colour paints the report on stdout; colourErr the warnings on
	// stderr, decided by stderr's own terminal.
	colour, colourErr palette
	// interactive allows the progress line on stderr, which newProgress
	// draws only on a terminal (a redraw with \r needs one) whatever
	// the style.
	interactive bool
	// runUnit is the time unit of the current command's run lines,
	// chosen by its first measured run.
	runUnit timeUnit
	// fixedUnit is -time-unit's unit, or nil to choose one by size.
	fixedUnit *timeUnit
}

// timeUnit is the unit for times around ms milliseconds: -time-unit's,
// else by size.
func (p *presentation) timeUnit(ms float64) timeUnit {
	if p.fixedUnit != nil {
		return *p.fixedUnit
	}
	return timeUnitFor(ms)
}

// newPresentation decides the style for a session writing to stdout and
// stderr. An explicit -style wins over NO_COLOR and TERM=dumb, as
// no-color.org asks of command-line flags; auto gives colour only to a
// terminal, and none when NO_COLOR is set to anything non-empty or the
// terminal is dumb.
func newPresentation(st outputStyle, stdout, stderr io.Writer, getenv func(string) string) presentation {
	autoColour := func(w io.Writer) palette {
		return palette(isTerminalWriter(w) && getenv("NO_COLOR") == "" && getenv("TERM") != "dumb")
	}
	p := presentation{runUnit: unitMs}
	switch st {
	case styleFull:
		p.colour, p.colourErr, p.interactive = true, true, true
	case styleColor:
		p.colour, p.colourErr = true, true
	case styleNoColor:
		p.interactive = true
	case styleNone:
		// run discards stdout; stderr keeps errors and warnings, as
		// hyperfine's --style none does.
	case styleAuto:
		p.colour, p.colourErr = autoColour(stdout), autoColour(stderr)
		p.interactive = true
	}
	return p
}

// isTerminalWriter reports whether w is an *os.File on a terminal.
func isTerminalWriter(w io.Writer) bool {
	if r, ok := w.(*reportWriter); ok {
		w = r.w
	}
	f, ok := w.(*os.File)
	return ok && isTerminal(f.Fd())
}

// palette paints text with ANSI SGR sequences when true, and leaves it as
// it is when false.
type palette bool

const (
	sgrBold    = "1"
	sgrGreen   = "32"
	sgrYellow  = "33"
	sgrMagenta = "35"
	sgrCyan    = "36"
)

func (p palette) paint(s string, codes ...string) string {
	if !p || s == "" {
		return s
	}
	seq := "\x1b["
	for i, c := range codes {
		if i > 0 {
			seq += ";"
		}
		seq += c
	}
	return seq + "m" + s + "\x1b[0m"
}

// The colours hyperfine gives: command names bold, the mean bold green
// and its deviation green, the range cyan … magenta, the fastest command
// cyan, warnings yellow.
func (p palette) command(s string) string { return p.paint(s, sgrBold) }
func (p palette) mean(s string) string    { return p.paint(s, sgrBold, sgrGreen) }
func (p palette) stdDev(s string) string  { return p.paint(s, sgrGreen) }
func (p palette) low(s string) string     { return p.paint(s, sgrCyan) }
func (p palette) high(s string) string    { return p.paint(s, sgrMagenta) }
func (p palette) fastest(s string) string { return p.paint(s, sgrBold, sgrCyan) }
func (p palette) other(s string) string   { return p.paint(s, sgrMagenta) }
func (p palette) ratio(s string) string   { return p.paint(s, sgrBold, sgrGreen) }
func (p palette) warning(s string) string { return p.paint(s, sgrBold, sgrYellow) }
func (p palette) heading(s string) string { return p.paint(s, sgrBold) }
