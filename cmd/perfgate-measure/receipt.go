package main

import (
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/perfgate/adapters"
	"github.com/perfgate/adapters/bench"
)

// receipt is perfgate's RunReceipt as bench builds it, with one key
// beyond perfgate's: ShellStartup notes the shell's start-up measured
// with -shell (shellstart.go). It is written whole by indentedJSON: the
// WriteTo and WriteFile it gets from bench.Receipt would leave that key
// out.
type receipt struct {
	bench.Receipt
	ShellStartup *shellStartup `json:"shell_startup,omitempty"`
}

// receiptJSON is the perfgate.run.v1 receipt of one measurement: bench's
// receipt of its runs, named by the command's label.
func (s *session) receiptJSON(m *measurement) ([]byte, error) {
	b := m.bench
	series := bench.Series{Spec: b.spec, Warmups: resultsOf(m.warmups), Runs: resultsOf(m.runs),
		Started: m.started, Ended: m.ended}
	var host adapters.HostInfo
	if s.host != nil {
		host = *s.host
	}
	r, err := bench.NewReceipt(series, bench.Tool{Name: progName, Version: toolVersion()}, host)
	if err != nil {
		return nil, err
	}
	r.Bench.Name = b.label
	return indentedJSON(receipt{Receipt: r, ShellStartup: receiptShellStartup(b.shell)})
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
