package main

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"unicode/utf8"

	"github.com/perfgate/adapters"
)

// outputSpill keeps the runs' captured output for -export-output on disk
// rather than in memory (3 runs of 16 MiB of output reached 0.8-1.1 GiB):
// each run's stdout and stderr are appended to one temporary file as the
// run is recorded, and the record holds a token naming the range. The
// files are built with the tokens in place of the output, and expand
// writes them, streaming each range into its place: one run's output is
// in memory at a time.
type outputSpill struct {
	f     *os.File
	size  int64
	token string // "@@perfgate-measure-spill-<random>:"
}

func newOutputSpill() (*outputSpill, error) {
	f, err := os.CreateTemp("", "perfgate-measure-output-*")
	if err != nil {
		return nil, fmt.Errorf("-export-output: %w", err)
	}
	var nonce [8]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, err
	}
	return &outputSpill{f: f, token: "@@perfgate-measure-spill-" + hex.EncodeToString(nonce[:]) + ":"}, nil
}

// close removes the file.
func (sp *outputSpill) close() {
	if sp != nil {
		sp.f.Close()
		os.Remove(sp.f.Name())
	}
}

// add appends b and returns the token that stands for it: "" for nothing.
func (sp *outputSpill) add(b []byte) (string, error) {
	if len(b) == 0 {
		return "", nil
	}
	if _, err := sp.f.WriteAt(b, sp.size); err != nil {
		return "", fmt.Errorf("-export-output: keeping a run's output: %w", err)
	}
	tok := sp.token + strconv.FormatInt(sp.size, 10) + ":" + strconv.Itoa(len(b)) + "@@"
	sp.size += int64(len(b))
	return tok, nil
}

// spillOutput moves rec's kept output to the spill file.
func (sp *outputSpill) spillOutput(rec *runRecord) error {
	if sp == nil || rec.extra == nil {
		return nil
	}
	var err error
	if rec.extra.stdoutToken, err = sp.add(rec.extra.stdout); err != nil {
		return err
	}
	if rec.extra.stderrToken, err = sp.add(rec.extra.stderr); err != nil {
		return err
	}
	rec.extra.stdout, rec.extra.stderr = nil, nil
	return nil
}

// expand writes doc to w with each token replaced by the JSON string
// content of its range, escaped as the library's RunResult escapes its
// output (invalid UTF-8 as U+FFFD); the token stands inside a JSON string.
func (sp *outputSpill) expand(w io.Writer, doc []byte) error {
	bw := bufio.NewWriter(w)
	start := []byte(sp.token)
	for {
		i := bytes.Index(doc, start)
		if i < 0 {
			break
		}
		bw.Write(doc[:i])
		rest := doc[i+len(start):]
		end := bytes.Index(rest, []byte("@@"))
		if end < 0 {
			return errors.New("a spilled output's token is cut")
		}
		var off, n int64
		if _, err := fmt.Sscanf(string(rest[:end]), "%d:%d", &off, &n); err != nil {
			return fmt.Errorf("a spilled output's token: %w", err)
		}
		out := make([]byte, n)
		if _, err := sp.f.ReadAt(out, off); err != nil {
			return fmt.Errorf("-export-output: reading a run's output back: %w", err)
		}
		if utf8.Valid(out) {
			writeJSONStringContent(bw, out) // no copy of the output
		} else {
			escaped, err := escapedOutput(out)
			if err != nil {
				return err
			}
			bw.Write(escaped)
		}
		doc = rest[end+2:]
	}
	bw.Write(doc)
	return bw.Flush()
}

// escapedOutput is out as a JSON string's content, without its quotes,
// exactly as adapters.RunResult writes its stdout.
func escapedOutput(out []byte) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(adapters.RunResult{Stdout: out}); err != nil {
		return nil, err
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(b.Bytes(), &fields); err != nil {
		return nil, err
	}
	raw := fields["stdout"]
	if len(raw) < 2 {
		return nil, errors.New("no stdout in a marshalled result")
	}
	return raw[1 : len(raw)-1], nil
}

// writeJSONStringContent writes valid UTF-8 as a JSON string's content, as
// encoding/json escapes it (json.Marshal, which RunResult.MarshalJSON
// uses: <, > and & as \u003c, \u003e, \u0026).
func writeJSONStringContent(w *bufio.Writer, b []byte) {
	const hexDigits = "0123456789abcdef"
	start := 0
	for i := 0; i < len(b); {
		c := b[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			w.Write(b[start:i])
			switch c {
			case '"', '\\':
				w.WriteByte('\\')
				w.WriteByte(c)
			case '\b':
				w.WriteString(`\b`)
			case '\f':
				w.WriteString(`\f`)
			case '\n':
				w.WriteString(`\n`)
			case '\r':
				w.WriteString(`\r`)
			case '\t':
				w.WriteString(`\t`)
			default:
				w.WriteString(`\u00`)
				w.WriteByte(hexDigits[c>>4])
				w.WriteByte(hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if r == '\u2028' || r == '\u2029' {
			w.Write(b[start:i])
			w.WriteString(`\u202`)
			w.WriteByte(hexDigits[r&0xF])
			start = i + size
		}
		i += size
	}
	w.Write(b[start:])
}
