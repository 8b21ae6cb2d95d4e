package main

import (
	"bytes"
	"encoding/csv"
	"strconv"
	"strings"

	"github.com/perfgate/adapters/bench"
)

// exportCSV is -export-csv, hyperfine's CSV: one row per command with
// its wall time's mean, standard deviation (0 with one run, as
// hyperfine writes it), median, mean user and system CPU time, min and
// max, in seconds; then one column per parameter. A figure no run had is
// an empty cell.
func (s *session) exportCSV() ([]byte, error) {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	header := []string{"command", "mean", "stddev", "median", "user", "system", "min", "max"}
	if len(s.results) > 0 {
		names, _ := csvParameters(&s.results[0])
		for _, name := range names {
			header = append(header, "parameter_"+name)
		}
	}
	w.Write(header)
	meanSeconds := func(st bench.Summary[float64]) string {
		if st.N == 0 {
			return ""
		}
		return csvSeconds(meanOf(st))
	}
	for _, i := range s.exportOrder() {
		m := &s.results[i]
		wall := statsOf(m.runs, m.wallMs)
		sd, _ := wall.SampleStdDev()
		row := []string{m.bench.label, csvSeconds(meanOf(wall)), csvSeconds(sd), csvSeconds(wall.Median),
			meanSeconds(statsOf(m.runs, m.userMs)), meanSeconds(statsOf(m.runs, m.systemMs)),
			csvSeconds(wall.Min), csvSeconds(wall.Max)}
		_, values := csvParameters(m)
		w.Write(append(row, values...))
	}
	w.Flush()
	return b.Bytes(), w.Error()
}

// csvSeconds writes milliseconds as seconds to the nanosecond, the
// resolution of the wall time, without trailing zeros: dividing by 1000
// would otherwise show binary noise ("0.00047420000000000003").
func csvSeconds(ms float64) string {
	s := strconv.FormatFloat(ms/1000, 'f', 9, 64)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

// csvParameters is the names of m's parameters (-parameter-scan,
// -parameter-list) and their values, in one order for every command,
// which hyperfine writes as "parameter_NAME" columns.
func csvParameters(m *measurement) (names, values []string) {
	for _, p := range m.bench.params {
		names, values = append(names, p.name), append(values, p.value)
	}
	return names, values
}

// exportCSVRuns is -export-csv-runs: one row per measured run; a figure
// the run does not have is an empty cell.
func (s *session) exportCSVRuns() ([]byte, error) {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write([]string{"command", "name", "run", "wall_ms", "user_cpu_ms", "system_cpu_ms", "max_rss_kb",
		"minor_page_faults", "page_faults", "voluntary_ctx_switches", "involuntary_ctx_switches",
		"io_read_bytes", "io_write_bytes", "exit_code"})
	for i := range s.results {
		m := &s.results[i]
		for j := range m.runs {
			r := m.runs[j].result()
			wall, _ := wallMs(&m.runs[j])
			w.Write([]string{strconv.Itoa(m.bench.number), m.bench.label, strconv.Itoa(j + 1),
				strconv.FormatFloat(wall, 'f', -1, 64), csvMicros(r.UserCPUUs), csvMicros(r.SystemCPUUs),
				csvCount(r.MaxRSSKB), csvCount(r.MinorPageFaults), csvCount(r.PageFaults),
				csvCount(r.VoluntaryCtxSwitches), csvCount(r.InvoluntaryCtxSwitches),
				csvCount(r.IOReadBytes), csvCount(r.IOWriteBytes), strconv.Itoa(r.ExitCode)})
		}
	}
	w.Flush()
	return b.Bytes(), w.Error()
}

func csvCount(p *uint64) string {
	if p == nil {
		return ""
	}
	return strconv.FormatUint(*p, 10)
}

func csvMicros(p *uint64) string {
	if p == nil {
		return ""
	}
	return strconv.FormatFloat(float64(*p)/1000, 'f', -1, 64)
}
