package main

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/perfgate/adapters/bench"
)

// exportMarkdown is -export-markdown: a table of the summaries, as
// hyperfine's, with the CPU times and peak memory; each column in one
// unit, the smallest any command's mean needs (ms below a second, KiB
// below a MiB).
func (s *session) exportMarkdown() []byte {
	unit, mem := s.markdownUnits()
	num := func(ms float64) string { return strconv.FormatFloat(ms*unit.perMs, 'f', 3, 64) }
	// A column no command has a figure for (peak memory withheld for
	// every run, say) is left out rather than filled with n/a.
	type column struct {
		head string
		get  func(m *measurement) figure
		fmt  func(float64) string
	}
	var cols []column
	for _, c := range []column{
		{"User [" + unit.name + "]", func(m *measurement) figure { return m.userMs }, num},
		{"System [" + unit.name + "]", func(m *measurement) figure { return m.systemMs }, num},
		{"Max RSS [" + mem.name + "]", func(*measurement) figure { return maxRSSKiB }, mem.number},
	} {
		for i := range s.results {
			if statsOf(s.results[i].runs, c.get(&s.results[i])).N > 0 {
				cols = append(cols, c)
				break
			}
		}
	}
	head := []string{"Command", "Mean [" + unit.name + "]", "Median [" + unit.name + "]", "Min [" + unit.name + "]", "Max [" + unit.name + "]"}
	for _, c := range cols {
		head = append(head, c.head)
	}
	head = append(head, "Relative")
	var b bytes.Buffer
	b.WriteString("| " + strings.Join(head, " | ") + " |\n")
	b.WriteString("|:---|" + strings.Repeat("---:|", len(head)-1) + "\n")
	rel, _, ok := relativeSpeeds(s.results, s.o.reference != "")
	for _, i := range s.exportOrder() {
		m := &s.results[i]
		wall := statsOf(m.runs, m.wallMs)
		mean := num(meanOf(wall))
		if sd, ok := wall.SampleStdDev(); ok {
			mean += " ± " + num(sd)
		}
		cells := []string{markdownCode(m.bench.label), mean, num(wall.Median), num(wall.Min), num(wall.Max)}
		for _, c := range cols {
			cells = append(cells, meanOrNA(statsOf(m.runs, c.get(m)), len(m.runs), c.fmt))
		}
		cells = append(cells, relativeText(rel, ok, i, len(s.results)))
		b.WriteString("| " + strings.Join(cells, " | ") + " |\n")
	}
	return b.Bytes()
}

// meanOrNA formats a mean, saying how many of the runs (total) it covers
// when not all, or n/a when none.
func meanOrNA(st bench.Summary[float64], total int, format func(float64) string) string {
	switch {
	case st.N == 0:
		return notAvailable
	case st.N < total:
		return fmt.Sprintf("%s (%d of %d runs)", format(meanOf(st)), st.N, total)
	}
	return format(meanOf(st))
}

// markdownCode shows a command as code in a table cell.
func markdownCode(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	if strings.Contains(s, "`") {
		return s
	}
	return "`" + s + "`"
}

// markdownUnits are the Markdown table's time and memory units: the
// smallest any command's mean needs (-time-unit fixes the time's).
func (s *session) markdownUnits() (timeUnit, memUnit) {
	unit := unitS
	for i := range s.results {
		if meanOf(statsOf(s.results[i].runs, s.results[i].wallMs)) < 1000 {
			unit = unitMs
		}
	}
	if s.out.fixedUnit != nil {
		unit = *s.out.fixedUnit
	}
	mem := unitGiB
	for i := range s.results {
		if rss := statsOf(s.results[i].runs, maxRSSKiB); rss.N > 0 && memUnitFor(meanOf(rss)).perKiB > mem.perKiB {
			mem = memUnitFor(meanOf(rss))
		}
	}
	return unit, mem
}

// relativeText is command i's Relative cell. One command is 1.00, as
// hyperfine writes it; several with no ratio (ok false: a mean of 0,
// once the shell's start-up is subtracted) have none, rather than 1.00
// for every row.
func relativeText(rel []relative, ok bool, i, commands int) string {
	switch {
	case ok:
		text := strconv.FormatFloat(rel[i].Value, 'f', 2, 64)
		if rel[i].StdDev != nil && !rel[i].Reference {
			text += " ± " + strconv.FormatFloat(*rel[i].StdDev, 'f', 2, 64)
		}
		return text
	case commands > 1:
		return notAvailable
	}
	return "1.00"
}
