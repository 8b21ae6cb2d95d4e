package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/perfgate/adapters"
	"github.com/perfgate/adapters/bench"
)

// timeUnit shows times in milliseconds or, from a second up, in seconds.
type timeUnit struct {
	name  string
	perMs float64
}

var (
	unitUs = timeUnit{"µs", 1e3}
	unitMs = timeUnit{"ms", 1}
	unitS  = timeUnit{"s", 1e-3}
)

// parseTimeUnit reads -time-unit: hyperfine's names, or the units'.
func parseTimeUnit(s string) (*timeUnit, bool) {
	switch s {
	case "microsecond", "us", "µs":
		return &unitUs, true
	case "millisecond", "ms":
		return &unitMs, true
	case "second", "s":
		return &unitS, true
	}
	return nil, false
}

// timeUnitFor chooses the unit for times around ms milliseconds.
func timeUnitFor(ms float64) timeUnit {
	if ms >= 1000 {
		return unitS
	}
	return unitMs
}

func (u timeUnit) format(ms float64) string {
	return strconv.FormatFloat(ms*u.perMs, 'f', 3, 64) + " " + u.name
}

// writeRunLine writes one measured run as one line, its times in unit.
func writeRunLine(w io.Writer, run, runs int, r *adapters.RunResult, rssNA string, unit timeUnit) {
	digits := len(strconv.Itoa(runs))
	rss := rssNA
	if r.MaxRSSKB != nil {
		rss = memString(*r.MaxRSSKB)
	}
	line := fmt.Sprintf("  run %*d/%d  wall %12s  user %11s  system %11s  max rss %s",
		digits, run, runs, unit.format(float64(r.Wall.Nanoseconds())/1e6),
		microsIn(r.UserCPUUs, unit), microsIn(r.SystemCPUUs, unit), rss)
	if !r.Succeeded() {
		line += "  exit " + exitString(r)
		if r.TimedOut {
			line += " (timed out)"
		}
	}
	fmt.Fprintln(w, line)
}

// summaryRow is one figure of the summary.
type summaryRow struct {
	label string
	st    bench.Summary[float64]
	na    string               // what a figure no run had shows as
	fmt   func(float64) string // formats a value (median, min, max)
	fmtF  func(float64) string // formats a mean or a deviation
}

// writeSummary writes the summary of m's runs (when there are several,
// or always when the runs are not shown) and warns on stderr about
// outliers.
func (s *session) writeSummary(m *measurement) {
	if s.o.json || len(m.runs) == 0 || len(m.runs) < 2 && !s.o.runLinesHidden() {
		return
	}
	s.startBlock()
	fmt.Fprintf(s.stdout, "summary of %s: %s\n", plural(len(m.runs), "run"), s.out.colour.command(m.bench.label))
	wall := statsOf(m.runs, m.wallMs)
	unit := s.out.timeUnit(meanOf(wall))
	rss := statsOf(m.runs, maxRSSKiB)
	mem := memUnitFor(meanOf(rss))
	rows := []summaryRow{
		{label: "wall", st: wall, fmt: unit.format, fmtF: unit.format},
		{label: "user", st: statsOf(m.runs, m.userMs), na: notAvailable, fmt: unit.format, fmtF: unit.format},
		{label: "system", st: statsOf(m.runs, m.systemMs), na: notAvailable, fmt: unit.format, fmtF: unit.format},
		{label: "max rss", st: rss, na: rssSummaryMissing(m), fmt: mem.format, fmtF: mem.format},
	}
	writeStatsTable(s.stdout, rows, s.out.colour)
	s.warnOutliers(m, valuesOf(m.runs, m.wallMs), unit)
	s.warnFastAfterShell(m)
}

// writeStatsTable writes rows under a heading, in aligned columns; a
// figure no run had gets its reason instead of numbers, never no row.
// The numbers are painted in p's colours after the columns are aligned,
// so that the escapes take no width.
func writeStatsTable(w io.Writer, rows []summaryRow, p palette) {
	cells := [][]string{{"", "mean", "", "σ", "median", "min", "", "max", "runs"}}
	for _, r := range rows {
		if r.st.N == 0 {
			continue
		}
		sd := notAvailable
		if v, ok := r.st.SampleStdDev(); ok {
			sd = r.fmtF(v)
		}
		cells = append(cells, []string{r.label, r.fmtF(meanOf(r.st)), "±", sd, r.fmt(r.st.Median),
			r.fmt(r.st.Min), "…", r.fmt(r.st.Max), strconv.Itoa(r.st.N)})
	}
	gaps := []string{"  ", "  ", " ", " ", "  ", "  ", " ", " ", "  "}
	widths := make([]int, len(gaps))
	for _, row := range cells {
		for i, c := range row {
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	for _, r := range rows {
		widths[0] = max(widths[0], utf8.RuneCountInString(r.label))
	}
	paints := map[int]func(string) string{1: p.mean, 3: p.stdDev, 5: p.low, 7: p.high}
	line := func(row []string, painted bool) string {
		var b strings.Builder
		for i, c := range row {
			b.WriteString(gaps[i])
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c))
			if paint, ok := paints[i]; ok && painted {
				c = paint(c)
			}
			if i == 0 {
				b.WriteString(c + pad)
			} else {
				b.WriteString(pad + c)
			}
		}
		return b.String()
	}
	total := utf8.RuneCountInString(line(cells[0], false))
	fmt.Fprintln(w, line(cells[0], false))
	next := 1
	for _, r := range rows {
		if r.st.N > 0 {
			fmt.Fprintln(w, line(cells[next], true))
			next++
			continue
		}
		// Spans the numbers, with the count under "runs".
		head := gaps[0] + r.label + strings.Repeat(" ", widths[0]-utf8.RuneCountInString(r.label)) + gaps[1] + r.na
		pad := max(2, total-utf8.RuneCountInString(head)-1)
		fmt.Fprintln(w, head+strings.Repeat(" ", pad)+"0")
	}
}

// warnOutliers warns, as hyperfine does, when the first run was much
// slower than the rest or when other runs are statistical outliers.
func (s *session) warnOutliers(m *measurement, walls []float64, unit timeUnit) {
	who := ""
	if len(s.benches) > 1 {
		who = m.bench.label + ": "
	}
	switch bench.DetectOutliers(walls) {
	case bench.SlowFirstRun:
		hint := "use -warmup to fill them before measuring"
		if s.o.warmup > 0 {
			hint = "try more -warmup runs, or re-run on a quiet system in case it was a random outlier"
		}
		s.warnf("%sthe first run was much slower than the rest (%s); caches may have been "+
			"filled only after it: %s", who, unit.format(walls[0]), hint)
	case bench.OutliersPresent:
		hint := ""
		if s.o.warmup == 0 {
			hint = "; -warmup might help"
		}
		s.warnf("%sstatistical outliers were detected; consider re-running on a quiet system "+
			"without interference from other programs%s", who, hint)
	}
}

// warnf reports a warning on stderr, "warning:" in yellow when stderr
// gets colour.
func (s *session) warnf(format string, a ...any) {
	s.errorf("%s %s", s.out.colourErr.warning("warning:"), fmt.Sprintf(format, a...))
}

// plural is "1 run", "2 runs".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}
