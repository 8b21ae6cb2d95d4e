package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// progressWidth bounds the progress line, so that it fits on one line of
// an 80-column terminal: a line that wraps cannot be redrawn with \r.
const progressWidth = 79

// progressEvery is how often the line is redrawn while a run goes on:
// often enough to see time pass, rarely enough that the drawing (a few
// microseconds of this process's time, on another CPU when there is one)
// is lost in the noise of the measured run.
const progressEvery = 200 * time.Millisecond

// progress draws one line on a terminal, redrawn in place with \r while
// a run goes on and cleared before anything else is written. A nil
// *progress draws nothing.
//
// While a run goes on a goroutine of its own redraws the line; start and
// clear are called from one goroutine only, and clear waits for that
// goroutine to end, so that nothing else is ever written while it draws.
type progress struct {
	w     io.Writer
	shown int // runes of the line now on the screen
	stop  chan struct{}
	done  chan struct{} // closed when the redrawing goroutine has ended
}

// newProgress returns a progress line on stderr when enabled and stderr
// is a terminal, else nil.
func newProgress(stderr io.Writer, enabled bool) *progress {
	if !enabled || !isTerminalWriter(stderr) {
		return nil
	}
	return &progress{w: stderr}
}

// progressState is what the line shows about a run in progress.
type progressState struct {
	head     string // which run: "run 3/17", "command 2/3, warm-up run 1/2"
	label    string // the command
	done     int    // runs of this phase already done
	total    int    // runs of this phase; 0 while not yet known
	estimate string // the current mean ± σ, "" before the first run
	perRun   time.Duration
}

// start draws st and redraws it every progressEvery with the time the
// run has taken, until clear.
func (p *progress) start(st progressState) {
	if p == nil {
		return
	}
	p.stopRedraw()
	started := time.Now()
	p.draw(st.line(0))
	p.stop, p.done = make(chan struct{}), make(chan struct{})
	go func(stop <-chan struct{}, done chan<- struct{}) {
		defer close(done)
		tick := time.NewTicker(progressEvery)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				p.draw(st.line(time.Since(started)))
			}
		}
	}(p.stop, p.done)
}

// stopRedraw ends the redrawing goroutine, if any, and waits for it.
func (p *progress) stopRedraw() {
	if p.stop != nil {
		close(p.stop)
		<-p.done
		p.stop, p.done = nil, nil
	}
}

// draw replaces the line on the screen with line.
func (p *progress) draw(line string) {
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

// clear stops the redrawing and blanks the line, leaving the cursor at
// its start.
func (p *progress) clear() {
	if p == nil {
		return
	}
	p.stopRedraw()
	if p.shown == 0 {
		return
	}
	io.WriteString(p.w, "\r"+strings.Repeat(" ", p.shown)+"\r")
	p.shown = 0
}

// progressBarWidth is the bar's widest and narrowest width in cells.
const progressBarWidth, progressBarMin = 12, 6

// elapsedRoom is what the run's time takes once redrawn ("  12.3 s"):
// room kept for it from the first drawing on, so that the command does
// not shrink when it appears.
const elapsedRoom = 8

// line is the progress line after elapsed of the run: which run and the
// command, a bar of the runs done (the current one in part, by how long
// runs take), the time the run has taken (once redrawn, to a tenth of a
// second), the estimate and the time left (the remaining runs at the mean
// time per run, prepare and conclude included). When the line is long the
// command gives way first, then the bar's width, then the word "mean".
func (st *progressState) line(elapsed time.Duration) string {
	// The layout is chosen without the run's time but with room for it,
	// so that redrawing does not move anything but that time and the ETA.
	width, meanWord := progressBarWidth, "mean "
	for st.width(st.tail(0, width, meanWord)) > progressWidth {
		switch {
		case st.total > 0 && width > progressBarMin:
			width--
		case meanWord != "":
			meanWord = ""
		default:
			return st.head + "  " + st.tail(elapsed, width, meanWord) // draw truncates it
		}
	}
	room := progressWidth - st.width(st.tail(0, width, meanWord)) - 2
	label := st.label
	if utf8.RuneCountInString(label) > room {
		label = ""
		if room >= 8 {
			label = string([]rune(st.label)[:room-1]) + "…"
		}
	}
	line := st.head
	if label != "" {
		line += ": " + label
	}
	if tail := st.tail(elapsed, width, meanWord); tail != "" {
		line += "  " + tail
	}
	return line
}

// width is how wide the line is with tail and without the command, room
// for the run's time included.
func (st *progressState) width(tail string) int {
	return utf8.RuneCountInString(st.head) + 2 + utf8.RuneCountInString(tail) + elapsedRoom
}

// tail is the line after the command, with a bar width cells wide.
func (st *progressState) tail(elapsed time.Duration, width int, meanWord string) string {
	var facts []string
	if st.total > 0 {
		facts = append(facts, st.bar(width, elapsed))
	}
	if elapsed > 0 {
		facts = append(facts, strconv.FormatFloat(elapsed.Seconds(), 'f', 1, 64)+" s")
	}
	if st.estimate != "" {
		facts = append(facts, meanWord+st.estimate)
	}
	if st.total > 0 && st.perRun > 0 {
		left := time.Duration(st.total-st.done)*st.perRun - elapsed
		facts = append(facts, "ETA "+clock(max(left, 0)))
	}
	return strings.Join(facts, "  ")
}

// bar is width cells filled in proportion to the runs done, the current
// one counted in part by elapsed against the mean time per run.
func (st *progressState) bar(width int, elapsed time.Duration) string {
	done := float64(st.done)
	if st.perRun > 0 {
		done += min(float64(elapsed)/float64(st.perRun), 0.99)
	}
	full := min(width, int(done/float64(st.total)*float64(width)))
	return strings.Repeat("█", full) + strings.Repeat("░", width-full)
}

// clock formats d as m:ss, or h:mm:ss from an hour up.
func clock(d time.Duration) string {
	s := int(d.Round(time.Second) / time.Second)
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}
