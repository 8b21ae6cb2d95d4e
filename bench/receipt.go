package bench

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/perfgate/adapters"
)

// Schema is the schema a [Receipt] declares: perfgate's perfgate.run.v1,
// whose JSON Schema the module keeps in testdata/perfgate.
const Schema = "perfgate.run.v1"

// Receipt is perfgate's RunReceipt: one command's series, every run of
// it, and the summary of the measured runs. It marshals to (and decodes
// from) perfgate.run.v1; build one with [NewReceipt].
type Receipt struct {
	Schema  string    `json:"schema"`
	Tool    Tool      `json:"tool"`
	Run     RunMeta   `json:"run"`
	Bench   BenchMeta `json:"bench"`
	Samples []Sample  `json:"samples"`
	Stats   Stats     `json:"stats"`
}

// Tool names the program that wrote a receipt.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// RunMeta identifies a series: a random id, when it ran (RFC 3339, UTC)
// and on what host.
type RunMeta struct {
	ID        string            `json:"id"`
	StartedAt string            `json:"started_at"`
	EndedAt   string            `json:"ended_at"`
	Host      adapters.HostInfo `json:"host"`
}

// BenchMeta says what was run and how often.
type BenchMeta struct {
	Name    string   `json:"name"`
	Cwd     *string  `json:"cwd,omitempty"`
	Command []string `json:"command"`
	Repeat  int      `json:"repeat"`
	Warmup  int      `json:"warmup"`
	// WorkUnits is how many units of work each run does (perfgate's
	// --work), from Series.WorkUnits; nil when not given. With it, Stats
	// has ThroughputPerS.
	WorkUnits *uint64 `json:"work_units,omitempty"`
	TimeoutMs *uint64 `json:"timeout_ms,omitempty"`
}

// Sample is perfgate's Sample: a run, as [adapters.RunResult] marshals
// it, and whether it was a warm-up.
type Sample struct {
	Warmup bool
	adapters.RunResult
}

// MarshalJSON writes the run's object with "warmup" first.
func (s Sample) MarshalJSON() ([]byte, error) {
	run, err := json.Marshal(s.RunResult)
	if err != nil {
		return nil, err
	}
	head := fmt.Sprintf(`{"warmup":%t`, s.Warmup)
	if len(run) <= 2 { // {}, which RunResult never is
		return []byte(head + "}"), nil
	}
	return append([]byte(head+","), run[1:]...), nil
}

// UnmarshalJSON reads what MarshalJSON writes, and perfgate's samples.
func (s *Sample) UnmarshalJSON(data []byte) error {
	var w struct{ Warmup bool }
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	s.Warmup = w.Warmup
	return json.Unmarshal(data, &s.RunResult)
}

// NewReceipt is the receipt of a series: its warm-ups and measured runs
// as samples, the stats of the measured runs, a fresh run id, and
// s.Spec's name (its command line when unnamed), command, working
// directory and time-out (in whole milliseconds, rounded up). Repeat and
// Warmup count the runs the series holds, which are those asked for unless
// it stopped early. A series with no measured run has no stats and gets an
// error, as in perfgate; so does one with no command (an empty Argv,
// ErrEmptyArgv). With s.WorkUnits, the receipt has work_units and the
// stats throughput_per_s, as perfgate computes them (see [Throughput]).
// Every receipt returned without an error validates against
// perfgate.run.v1.
func NewReceipt(s Series, tool Tool, host adapters.HostInfo) (Receipt, error) {
	st, ok := ComputeStats(s.Runs)
	if !ok {
		return Receipt{}, errors.New("bench: no measured run to make a receipt of")
	}
	if len(s.Spec.Argv) == 0 {
		return Receipt{}, fmt.Errorf("bench: a receipt needs the series' command: %w", adapters.ErrEmptyArgv)
	}
	id, err := NewRunID()
	if err != nil {
		return Receipt{}, err
	}
	spec := s.Spec
	r := Receipt{
		Schema: Schema,
		Tool:   tool,
		Run: RunMeta{ID: id, Host: host,
			StartedAt: s.Started.UTC().Format(time.RFC3339Nano),
			EndedAt:   s.Ended.UTC().Format(time.RFC3339Nano)},
		Bench:   BenchMeta{Name: spec.Name, Command: spec.Argv, Repeat: len(s.Runs), Warmup: len(s.Warmups)},
		Samples: make([]Sample, 0, len(s.Warmups)+len(s.Runs)),
		Stats:   st,
	}
	if r.Bench.Name == "" {
		r.Bench.Name = strings.Join(spec.Argv, " ")
	}
	if spec.Cwd != "" {
		r.Bench.Cwd = &spec.Cwd
	}
	if s.WorkUnits > 0 {
		work := s.WorkUnits
		r.Bench.WorkUnits = &work
		if tp, ok := Throughput(s.Runs, work); ok {
			r.Stats.ThroughputPerS = &tp
		}
	}
	if spec.Timeout > 0 {
		// Rounded up: a 500 µs timeout is 1 ms, never 0, which would read
		// as no time at all.
		ms := uint64((spec.Timeout + time.Millisecond - 1) / time.Millisecond)
		r.Bench.TimeoutMs = &ms
	}
	for _, run := range s.Warmups {
		r.Samples = append(r.Samples, Sample{true, run})
	}
	for _, run := range s.Runs {
		r.Samples = append(r.Samples, Sample{false, run})
	}
	return r, nil
}

// WriteTo writes r as indented JSON and a newline, with <, > and &
// as they are: receipts are not for HTML.
func (r *Receipt) WriteTo(w io.Writer) (int64, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return 0, err
	}
	return b.WriteTo(w)
}

// WriteFile writes r to path (mode 0644). A regular file (or a path that
// does not exist yet) is replaced whole: r is written to a temporary file
// beside it, which is renamed over it, so a reader never sees half a
// receipt and a failure leaves nothing behind. A symbolic link to a
// regular file stays a link: the file it names is replaced so. Anything
// else (a device such as /dev/stdout or /dev/null, a FIFO, a socket, or a
// link to one) is written into, as os.WriteFile would, and never replaced.
// Every error is an *fs.PathError naming path as the caller gave it.
func (r *Receipt) WriteFile(path string) error {
	var b bytes.Buffer
	if _, err := r.WriteTo(&b); err != nil {
		return receiptPathError(path, err)
	}
	target := path
	if info, err := os.Lstat(path); err == nil && info.Mode()&fs.ModeSymlink != 0 {
		resolved, err := filepath.EvalSymlinks(path)
		if err != nil {
			// A dangling link: os.WriteFile creates what it names.
			return receiptPathError(path, os.WriteFile(path, b.Bytes(), 0o644))
		}
		target = resolved
	}
	if info, err := os.Stat(target); err == nil && !info.Mode().IsRegular() {
		return receiptPathError(path, os.WriteFile(target, b.Bytes(), 0o644))
	}
	return receiptPathError(path, replaceFile(target, func(w io.Writer) error {
		_, err := w.Write(b.Bytes())
		return err
	}))
}

// maxTempBase bounds how much of the file name the temporary file's name
// repeats, so that it fits NAME_MAX (255 bytes) whatever the name's length:
// "." + at most 100 bytes + "." + at most 10 digits + ".tmp".
const maxTempBase = 100

// replaceFile writes what write writes to a temporary file beside path
// (its name within NAME_MAX) and renames it over path; on failure it
// leaves path as it was and no temporary file behind.
func replaceFile(path string, write func(io.Writer) error) (err error) {
	base := filepath.Base(path)
	if len(base) > maxTempBase {
		cut := maxTempBase
		for cut > 0 && !utf8.RuneStart(base[cut]) {
			cut--
		}
		base = base[:cut]
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+base+".*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err = write(f); err != nil {
		return err
	}
	if err = f.Chmod(0o644); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// receiptPathError returns err as an *fs.PathError about path, the name
// the caller gave (not a temporary file's or a link's target), keeping
// the underlying error for errors.Is; nil stays nil.
func receiptPathError(path string, err error) error {
	if err == nil {
		return nil
	}
	var pathErr *fs.PathError
	var linkErr *os.LinkError
	switch {
	case errors.As(err, &pathErr):
		err = pathErr.Err
	case errors.As(err, &linkErr):
		err = linkErr.Err
	}
	return &fs.PathError{Op: "write receipt", Path: path, Err: err}
}

// NewRunID returns a random UUID (version 4), as perfgate's run ids are.
func NewRunID() (string, error) {
	var u [16]byte
	if _, err := rand.Read(u[:]); err != nil {
		return "", err
	}
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16]), nil
}
