package main

import (
	"fmt"
	"io"
	"strconv"
)

// relative is a command's mean wall time relative to the fastest's, with
// the uncertainty of the ratio.
type relative struct {
	Ratio     float64  `json:"mean"`
	StdDev    *float64 `json:"stddev,omitempty"`
	Reference bool     `json:"reference,omitempty"`
}

// relativeSpeeds returns each measurement's speed relative to the fastest
// (lowest mean wall time) and the fastest's index, as hyperfine computes
// them; ok is false when there are fewer than two or the fastest mean is 0.
func relativeSpeeds(ms []measurement) (rel []relative, fastest int, ok bool) {
	if len(ms) < 2 {
		return nil, 0, false
	}
	walls := make([]stats, len(ms))
	for i := range ms {
		walls[i] = statsOf(ms[i].runs, wallMs)
		if walls[i].Mean < walls[fastest].Mean {
			fastest = i
		}
	}
	rel = make([]relative, len(ms))
	for i := range ms {
		ratio, sd, hasSD, ok := relativeSpeed(walls[i], walls[fastest])
		if !ok {
			return nil, 0, false
		}
		rel[i] = relative{Ratio: ratio, Reference: i == fastest}
		if hasSD {
			rel[i].StdDev = &sd
		}
	}
	return rel, fastest, true
}

// writeComparison says which command was fastest and how many times
// slower each other one was, ± the uncertainty, as hyperfine does.
func (s *session) writeComparison() {
	if s.o.json {
		return
	}
	rel, fastest, ok := relativeSpeeds(s.results)
	if !ok {
		return
	}
	s.startBlock()
	writeComparison(s.stdout, s.results, rel, fastest, s.out.colour)
}

func writeComparison(w io.Writer, ms []measurement, rel []relative, fastest int, p palette) {
	fmt.Fprintln(w, p.heading("comparison"))
	fmt.Fprintf(w, "  %s ran\n", p.fastest(ms[fastest].bench.label))
	for i := range ms {
		if i == fastest {
			continue
		}
		times := p.ratio(strconv.FormatFloat(rel[i].Ratio, 'f', 2, 64))
		if rel[i].StdDev != nil {
			times += " ± " + p.stdDev(strconv.FormatFloat(*rel[i].StdDev, 'f', 2, 64))
		}
		fmt.Fprintf(w, "    %s times faster than %s\n", times, p.other(ms[i].bench.label))
	}
}
