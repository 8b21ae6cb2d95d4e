package main

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"

	"github.com/perfgate/adapters/bench"
)

// relative is a command's mean wall time relative to the fastest's, with
// the uncertainty of the ratio (bench.RelativeSpeed), and whether it is
// the fastest, which the exports mark.
type relative struct {
	bench.Ratio
	Reference bool `json:"reference,omitempty"`
}

// relativeSpeeds returns each measurement's speed relative to the
// reference and the reference's index, as hyperfine computes them: the
// first command with -reference (toFirst), else the fastest (lowest mean
// wall time). ok is false when there are fewer than two or a mean is 0.
func relativeSpeeds(ms []measurement, toFirst bool) (rel []relative, ref int, ok bool) {
	if len(ms) < 2 {
		return nil, 0, false
	}
	walls := make([]bench.Summary[float64], len(ms))
	for i := range ms {
		walls[i] = statsOf(ms[i].runs, ms[i].wallMs)
		if !toFirst && meanOf(walls[i]) < meanOf(walls[ref]) {
			ref = i
		}
	}
	rel = make([]relative, len(ms))
	for i := range ms {
		ratio, ok := bench.RelativeSpeed(walls[i], walls[ref])
		if !ok {
			return nil, 0, false
		}
		rel[i] = relative{Ratio: ratio, Reference: i == ref}
	}
	return rel, ref, true
}

// sortOrder is -sort, hyperfine's --sort: auto orders the comparison by
// mean wall time and the Markdown table by command; command orders both
// by command, mean both by mean wall time.
type sortOrder string

const (
	sortAuto    sortOrder = "auto"
	sortCommand sortOrder = "command"
	sortMean    sortOrder = "mean"
)

func (o *sortOrder) String() string { return string(*o) }

func (o *sortOrder) Set(s string) error {
	switch v := sortOrder(s); v {
	case sortAuto, sortCommand, sortMean:
		*o = v
	case "mean-time": // hyperfine's spelling
		*o = sortMean
	default:
		return errors.New("want auto, command or mean")
	}
	return nil
}

// order is the indexes of ms in command order, or byMean in order of mean
// wall time (ties in command order).
func order(ms []measurement, byMean bool) []int {
	idx := make([]int, len(ms))
	means := make([]float64, len(ms))
	for i := range ms {
		idx[i] = i
		means[i] = meanOf(statsOf(ms[i].runs, ms[i].wallMs))
	}
	if byMean {
		sort.SliceStable(idx, func(a, b int) bool { return means[idx[a]] < means[idx[b]] })
	}
	return idx
}

// exportOrder is the order of the commands in the Markdown table.
func (s *session) exportOrder() []int { return order(s.results, s.o.sort == sortMean) }

// writeComparison says which command was fastest and how many times
// slower each other one was, ± the uncertainty, as hyperfine does: by
// default from the fastest to the slowest; with -sort command as a table
// of ratios in command order.
func (s *session) writeComparison() {
	if s.o.json {
		return
	}
	rel, fastest, ok := relativeSpeeds(s.results, s.o.reference != "")
	if !ok {
		if len(s.results) > 1 {
			why := ""
			if s.shellStartupOf() != nil {
				why = " once the shell's start-up is subtracted (-shell-correction=false keeps it)"
			}
			s.errorf("note: no comparison: a command's mean wall time is 0%s", why)
		}
		return
	}
	s.startBlock()
	if s.o.sort == sortCommand {
		refWord := "fastest"
		if s.o.reference != "" {
			refWord = "reference"
		}
		writeRatioTable(s.stdout, s.results, rel, refWord)
		return
	}
	writeComparison(s.stdout, s.results, rel, fastest, order(s.results, true), s.out.colour)
}

func writeComparison(w io.Writer, ms []measurement, rel []relative, fastest int, idx []int, p palette) {
	fmt.Fprintln(w, p.heading("comparison"))
	fmt.Fprintf(w, "  %s ran\n", p.fastest(ms[fastest].bench.label))
	for _, i := range idx {
		if i == fastest {
			continue
		}
		// A command faster than the reference (-reference) is worded
		// as hyperfine words it: the reference ran n times slower.
		r, word := rel[i].Ratio, "faster"
		if r.Value < 1 {
			r, word = r.Inverse(), "slower"
		}
		times := p.ratio(strconv.FormatFloat(r.Value, 'f', 2, 64))
		if r.StdDev != nil {
			times += " ± " + p.stdDev(strconv.FormatFloat(*r.StdDev, 'f', 2, 64))
		}
		fmt.Fprintf(w, "    %s times %s than %s\n", times, word, p.other(ms[i].bench.label))
	}
}

// writeRatioTable is the comparison in command order, as hyperfine's
// --sort command prints it: each command's mean relative to the fastest's.
func writeRatioTable(w io.Writer, ms []measurement, rel []relative, refWord string) {
	ratios, sds := make([]string, len(ms)), make([]string, len(ms))
	wr, ws := 0, 0
	for i := range ms {
		ratios[i] = strconv.FormatFloat(rel[i].Value, 'f', 2, 64)
		if rel[i].StdDev != nil && !rel[i].Reference {
			sds[i] = "± " + strconv.FormatFloat(*rel[i].StdDev, 'f', 2, 64)
		}
		wr, ws = max(wr, len(ratios[i])), max(ws, len([]rune(sds[i])))
	}
	fmt.Fprintln(w, "comparison (mean wall time relative to the "+refWord+")")
	for i := range ms {
		cell := fmt.Sprintf("%*s", wr, ratios[i])
		if ws > 0 {
			cell += fmt.Sprintf(" %-*s", ws, sds[i])
		}
		fmt.Fprintf(w, "  %s  %s\n", cell, ms[i].bench.label)
	}
}
