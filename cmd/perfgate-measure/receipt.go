package main

import (
	"crypto/rand"
	"fmt"
	"math"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/perfgate/adapters"
)

// receiptSchema is the schema a receipt declares; testdata/perfgate holds
// its JSON Schema.
const receiptSchema = "perfgate.run.v1"

// receipt is perfgate's RunReceipt.
type receipt struct {
	Schema  string       `json:"schema"`
	Tool    receiptTool  `json:"tool"`
	Run     receiptRun   `json:"run"`
	Bench   receiptBench `json:"bench"`
	Samples []sample     `json:"samples"`
	Stats   receiptStats `json:"stats"`
	// ShellStartup, beyond perfgate's keys, notes the shell's start-up
	// measured with -shell (shellstart.go).
	ShellStartup *shellStartup `json:"shell_startup,omitempty"`
}

type receiptTool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

type receiptRun struct {
	ID        string             `json:"id"`
	StartedAt string             `json:"started_at"`
	EndedAt   string             `json:"ended_at"`
	Host      *adapters.HostInfo `json:"host"`
}

type receiptBench struct {
	Name      string   `json:"name"`
	Cwd       *string  `json:"cwd,omitempty"`
	Command   []string `json:"command"`
	Repeat    int      `json:"repeat"`
	Warmup    int      `json:"warmup"`
	TimeoutMs *uint64  `json:"timeout_ms,omitempty"`
}

// sample is perfgate's Sample: a RunResult and whether it was a warm-up.
type sample struct {
	warmup bool
	record *runRecord
}

func (s sample) MarshalJSON() ([]byte, error) {
	r := s.record.result()
	return joinObjects(struct {
		Warmup bool `json:"warmup"`
	}{s.warmup}, &r)
}

// u64Summary is perfgate's U64Summary.
type u64Summary struct {
	Median uint64   `json:"median"`
	Min    uint64   `json:"min"`
	Max    uint64   `json:"max"`
	Mean   *float64 `json:"mean,omitempty"`
	StdDev *float64 `json:"stddev,omitempty"`
}

// receiptStats is perfgate's Stats: each figure summarised over the
// measured samples that have it, absent when none has.
type receiptStats struct {
	WallMs         u64Summary  `json:"wall_ms"`
	CPUMs          *u64Summary `json:"cpu_ms,omitempty"`
	PageFaults     *u64Summary `json:"page_faults,omitempty"`
	CtxSwitches    *u64Summary `json:"ctx_switches,omitempty"`
	MaxRSSKB       *u64Summary `json:"max_rss_kb,omitempty"`
	IOReadBytes    *u64Summary `json:"io_read_bytes,omitempty"`
	IOWriteBytes   *u64Summary `json:"io_write_bytes,omitempty"`
	NetworkPackets *u64Summary `json:"network_packets,omitempty"`
	EnergyUJ       *u64Summary `json:"energy_uj,omitempty"`
	BinaryBytes    *u64Summary `json:"binary_bytes,omitempty"`
}

// receiptJSON is the perfgate.run.v1 receipt of one measurement.
func (s *session) receiptJSON(m *measurement) ([]byte, error) {
	id, err := newRunID()
	if err != nil {
		return nil, err
	}
	b := m.bench
	r := receipt{
		Schema: receiptSchema,
		Tool:   receiptTool{Name: progName, Version: toolVersion()},
		Run: receiptRun{ID: id, Host: s.host,
			StartedAt: m.started.UTC().Format(time.RFC3339Nano),
			EndedAt:   m.ended.UTC().Format(time.RFC3339Nano)},
		Bench:        receiptBench{Name: b.label, Command: b.spec.Argv, Repeat: len(m.runs), Warmup: s.o.warmup},
		Stats:        computeReceiptStats(m.runs),
		ShellStartup: receiptShellStartup(b.shell),
	}
	if b.spec.Cwd != "" {
		r.Bench.Cwd = &b.spec.Cwd
	}
	if b.spec.Timeout > 0 {
		ms := uint64(b.spec.Timeout.Milliseconds())
		r.Bench.TimeoutMs = &ms
	}
	for i := range m.warmups {
		r.Samples = append(r.Samples, sample{true, &m.warmups[i]})
	}
	for i := range m.runs {
		r.Samples = append(r.Samples, sample{false, &m.runs[i]})
	}
	return indentedJSON(r)
}

// computeReceiptStats summarises the measured runs as perfgate's
// compute_stats does.
func computeReceiptStats(runs []runRecord) receiptStats {
	of := func(i figureIndex) *u64Summary {
		var values []uint64
		for j := range runs {
			if v, ok := runs[j].get(i); ok {
				values = append(values, v)
			}
		}
		return summarizeU64(values)
	}
	walls := make([]uint64, len(runs))
	for j := range runs {
		walls[j] = runs[j].wallMs
	}
	return receiptStats{
		WallMs:         *summarizeU64(walls),
		CPUMs:          of(figCPUMs),
		PageFaults:     of(figPageFaults),
		CtxSwitches:    of(figCtxSwitches),
		MaxRSSKB:       of(figMaxRSSKB),
		IOReadBytes:    of(figIOReadBytes),
		IOWriteBytes:   of(figIOWriteBytes),
		NetworkPackets: of(figNetworkPackets),
		EnergyUJ:       of(figEnergyUJ),
		BinaryBytes:    of(figBinaryBytes),
	}
}

// summarizeU64 is perfgate's summarize_u64, or nil for no values: the
// median of an even count is the mean of the middle two rounded down,
// computed without overflow; the mean and the standard deviation (n - 1,
// 0 for one value) by Welford's method, left out when not finite.
func summarizeU64(values []uint64) *u64Summary {
	if len(values) == 0 {
		return nil
	}
	sorted := slices.Clone(values)
	slices.Sort(sorted)
	n := len(sorted)
	s := u64Summary{Min: sorted[0], Max: sorted[n-1], Median: sorted[n/2]}
	if n%2 == 0 {
		a, b := sorted[n/2-1], sorted[n/2]
		s.Median = a/2 + b/2 + (a%2+b%2)/2
	}
	var mean, m2 float64
	for i, v := range values {
		x := float64(v)
		delta := x - mean
		mean += delta / float64(i+1)
		m2 += delta * (x - mean)
	}
	variance := 0.0
	if n > 1 {
		variance = max(m2/float64(n-1), 0)
	}
	if !math.IsInf(mean, 0) && !math.IsNaN(mean) && !math.IsInf(variance, 0) && !math.IsNaN(variance) {
		sd := math.Sqrt(variance)
		s.Mean, s.StdDev = &mean, &sd
	}
	return &s
}

// newRunID returns a random UUID (version 4), as perfgate's run ids are.
func newRunID() (string, error) {
	var u [16]byte
	if _, err := rand.Read(u[:]); err != nil {
		return "", err
	}
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16]), nil
}

// toolVersion is the module version perfgate-measure was built from
// (go install ...@v1.2.3), or "devel".
func toolVersion() string {
	if info, ok := debug.ReadBuildInfo(); ok {
		if v := info.Main.Version; v != "" && v != "(devel)" {
			return strings.TrimPrefix(v, "v")
		}
	}
	return "devel"
}

// receiptPath is the receipt file of command i of n: path itself for one
// command, else path with "-i" before its extension.
func receiptPath(path string, i, n int) string {
	if n == 1 {
		return path
	}
	ext := filepath.Ext(path)
	return strings.TrimSuffix(path, ext) + "-" + strconv.Itoa(i) + ext
}
