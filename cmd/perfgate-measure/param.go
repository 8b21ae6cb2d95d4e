package main

import (
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"
)

// Parameters, as hyperfine has them: -parameter-scan NAME MIN MAX (with
// -parameter-step) or -parameter-list NAME VALUES, repeatable, make one
// benchmark of each command for each value, or each combination of values,
// with {NAME} replaced by the value in the command, its -name and the
// commands run around it.

// param is one parameter's value in one benchmark.
type param struct{ name, value string }

// paramAxis is the values one parameter takes, in order.
type paramAxis struct {
	name   string
	values []string
}

// scanArgs is -parameter-scan's NAME MIN MAX as given.
type scanArgs struct{ name, min, max string }

// maxBenchmarks bounds the benchmarks parameters make, as hyperfine bounds
// a scan's values: a typo such as a step of 0.0001 is an error, not a
// night of runs.
const maxBenchmarks = 100_000

// multiValueFlags are the flags that take several arguments, as hyperfine
// users write them: -parameter-scan n 1 5, -parameter-list cc gcc,clang.
var multiValueFlags = map[string]int{"parameter-scan": 3, "parameter-list": 2, "P": 3, "L": 2}

// takesValue reports whether the flag called name (as written, perhaps
// with "=value") takes the next argument as its value.
func takesValue(fs *flag.FlagSet, name string) bool {
	if strings.Contains(name, "=") {
		return false
	}
	f := fs.Lookup(name)
	if f == nil {
		return false // Parse reports it
	}
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return !ok || !b.IsBoolFlag()
}

func multiValueUsage(name string) string {
	if multiValueFlags[name] == 3 {
		return "three arguments: NAME MIN MAX"
	}
	return "two arguments: NAME VALUES (comma-separated)"
}

// multiValueFlag stands for a multi-value flag in the FlagSet, for -help;
// splitCommandLine takes its uses, so Set is reached only by the
// -flag=value form, which cannot give several arguments.
type multiValueFlag string

func (f multiValueFlag) String() string { return "" }

func (f multiValueFlag) Set(string) error {
	return fmt.Errorf("give %s as separate arguments, not with =", multiValueUsage(string(f)))
}

// parameterAxes checks the parameter flags and returns the values of each
// parameter, or what is wrong.
func (o *options) parameterAxes() ([]paramAxis, error) {
	switch {
	case o.scan != nil && len(o.lists) > 0:
		return nil, errors.New("-parameter-scan and -parameter-list cannot be combined (as in hyperfine)")
	case o.step != "" && o.scan == nil:
		return nil, errors.New("-parameter-step needs -parameter-scan")
	}
	var axes []paramAxis
	if o.scan != nil {
		values, err := scanValues(o.scan.min, o.scan.max, o.step)
		if err != nil {
			return nil, fmt.Errorf("-parameter-scan %s %s %s: %w", o.scan.name, o.scan.min, o.scan.max, err)
		}
		axes = append(axes, paramAxis{o.scan.name, values})
	}
	for _, l := range o.lists {
		if l.values[0] == "" {
			return nil, fmt.Errorf("-parameter-list %s: empty list of values", l.name)
		}
		axes = append(axes, paramAxis{l.name, tokenizeList(l.values[0])})
	}
	total := 1
	for i, a := range axes {
		switch {
		case a.name == "" || strings.ContainsAny(a.name, "{}"):
			return nil, fmt.Errorf("bad parameter name %q: want a non-empty name without { or }", a.name)
		case paramIndex(axes[:i], a.name) >= 0:
			return nil, fmt.Errorf("parameter %s given twice", a.name)
		}
		total *= len(a.values)
		if total > maxBenchmarks {
			return nil, fmt.Errorf("the parameters make more than %d benchmarks", maxBenchmarks)
		}
	}
	return axes, nil
}

func paramIndex(axes []paramAxis, name string) int {
	for i, a := range axes {
		if a.name == name {
			return i
		}
	}
	return -1
}

// tokenizeList splits -parameter-list's VALUES at commas, as hyperfine
// does: "\," is a comma in a value and "\\" a backslash; any other
// backslash stays as it is.
func tokenizeList(s string) []string {
	var values []string
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' && i+1 < len(s) && (s[i+1] == ',' || s[i+1] == '\\'):
			i++
			b.WriteByte(s[i])
		case c == ',':
			values = append(values, b.String())
			b.Reset()
		default:
			b.WriteByte(c)
		}
	}
	return append(values, b.String())
}

// paramSets is every combination of the axes' values, in hyperfine's
// order: the first parameter varies fastest. No axes give one empty set.
func paramSets(axes []paramAxis) [][]param {
	sets := [][]param{nil}
	for i := len(axes) - 1; i >= 0; i-- {
		a := axes[i]
		next := make([][]param, 0, len(sets)*len(a.values))
		for _, tail := range sets {
			for _, v := range a.values {
				set := append([]param{{a.name, v}}, tail...)
				next = append(next, set)
			}
		}
		sets = next
	}
	return sets
}

// substitute replaces each {NAME} in s by the value of that parameter,
// left to right, never looking into a value it has put in (as hyperfine:
// a value holding "{m}" stays so). An unknown {x} stays as it is.
func substitute(s string, params []param) string {
	if len(params) == 0 || !strings.Contains(s, "{") {
		return s
	}
	var b strings.Builder
outer:
	for i := 0; i < len(s); i++ {
		if s[i] == '{' {
			for _, p := range params {
				if strings.HasPrefix(s[i+1:], p.name+"}") {
					b.WriteString(p.value)
					i += len(p.name) + 1
					continue outer
				}
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// unusedParams is " (n = 1, m = x)" for the parameters that template does
// not use, as hyperfine names a benchmark, so that every benchmark's label
// (and receipt's bench name) differs; "" when it uses them all.
func unusedParams(template []string, params []param) string {
	var parts []string
	for _, p := range params {
		used := false
		for _, t := range template {
			used = used || strings.Contains(t, "{"+p.name+"}")
		}
		if !used {
			parts = append(parts, p.name+" = "+p.value)
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

// paramMap is params as a map, for the JSON files (as hyperfine's
// "parameters"); nil for none.
func paramMap(params []param) map[string]string {
	if len(params) == 0 {
		return nil
	}
	m := make(map[string]string, len(params))
	for _, p := range params {
		m[p.name] = p.value
	}
	return m
}

// scanValues is the values of a scan from lo to hi by step (default 1),
// computed exactly in decimal as hyperfine does: integers unless a bound
// or the step has decimals, and decimal bounds need a step. Every value
// has as many decimals as the larger of lo's and step's, so -parameter-scan
// x 1 2 -parameter-step 0.5 gives 1.0, 1.5, 2.0 (hyperfine: 1, 1.5, 2.0).
func scanValues(lo, hi, step string) ([]string, error) {
	a, okA := parseDecimal(lo)
	b, okB := parseDecimal(hi)
	d := decimal{1, 0}
	switch {
	case !okA:
		return nil, fmt.Errorf("MIN %q is not a number", lo)
	case !okB:
		return nil, fmt.Errorf("MAX %q is not a number", hi)
	case step == "" && (a.scale > 0 || b.scale > 0):
		return nil, errors.New("decimal bounds need -parameter-step")
	case step != "":
		var ok bool
		if d, ok = parseDecimal(step); !ok {
			return nil, fmt.Errorf("-parameter-step %q is not a number", step)
		}
		if d.mant <= 0 {
			return nil, fmt.Errorf("-parameter-step must be above 0, not %s", step)
		}
	}
	scale := max(a.scale, b.scale, d.scale)
	x, okX := a.rescale(scale)
	y, okY := b.rescale(scale)
	dx, okD := d.rescale(scale)
	switch {
	case !okX || !okY || !okD:
		return nil, errors.New("too many digits: at most 15 in each number at the most decimals given")
	case x > y:
		return nil, fmt.Errorf("MIN %s is above MAX %s", lo, hi)
	case (y-x)/dx >= maxBenchmarks:
		return nil, fmt.Errorf("more than %d values", maxBenchmarks)
	}
	show := max(a.scale, d.scale)
	var values []string
	for v := x; v <= y; v += dx {
		values = append(values, formatDecimal(v, scale, show))
	}
	return values, nil
}

// decimal is mant × 10^-scale: a scan's numbers, exact.
type decimal struct {
	mant  int64
	scale int
}

// maxMantissa keeps numbers, their differences and the last value plus a
// step within int64.
const maxMantissa = 1e15

// parseDecimal parses [+-]digits[.digits], within maxMantissa.
func parseDecimal(s string) (decimal, bool) {
	digits := strings.TrimLeft(s, "+-")
	if len(s)-len(digits) > 1 {
		return decimal{}, false
	}
	whole, frac, dot := strings.Cut(digits, ".")
	if whole == "" || dot && frac == "" || strings.Trim(whole+frac, "0123456789") != "" {
		return decimal{}, false
	}
	m, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil || m >= maxMantissa {
		return decimal{}, false
	}
	if strings.HasPrefix(s, "-") {
		m = -m
	}
	return decimal{m, len(frac)}, true
}

// rescale is d's mantissa at a scale not below d's, and whether it is
// within maxMantissa there.
func (d decimal) rescale(scale int) (int64, bool) {
	m := d.mant
	for range scale - d.scale {
		m *= 10
		if m >= maxMantissa || m <= -maxMantissa {
			return 0, false
		}
	}
	return m, true
}

// formatDecimal writes m × 10^-scale with show decimals (show ≤ scale, and
// m a multiple of 10^(scale-show), as a scan's values are).
func formatDecimal(m int64, scale, show int) string {
	for range scale - show {
		m /= 10
	}
	sign := ""
	if m < 0 {
		sign, m = "-", -m
	}
	s := strconv.FormatInt(m, 10)
	if show == 0 {
		return sign + s
	}
	if len(s) <= show {
		s = strings.Repeat("0", show-len(s)+1) + s
	}
	return sign + s[:len(s)-show] + "." + s[len(s)-show:]
}

// commandCount is the number of commands: the one argv, or with -shell
// each command string.
func (o *options) commandCount() int {
	if o.shell || o.noShell {
		return len(o.commands)
	}
	return 1
}

// benchmarkCount is the number of benchmarks the commands and the
// parameters make.
func (o *options) benchmarkCount() int {
	n := o.commandCount()
	for _, a := range o.axes {
		n *= len(a.values)
	}
	return n
}

// checkParameterNames returns what is wrong with a parameterised command
// line beyond the parameters themselves, or "": -name is given at most
// once per command (each a template, in order, as without parameters) or
// once per benchmark (in the benchmarks' order).
func (o *options) checkParameterNames() string {
	cmds, total := o.commandCount(), o.benchmarkCount()
	switch {
	case total > maxBenchmarks:
		return fmt.Sprintf("%d commands and the parameters make more than %d benchmarks", cmds, maxBenchmarks)
	case len(o.names) > cmds && len(o.names) != total:
		return fmt.Sprintf("%d -name flags for %d commands and %d benchmarks (give at most one per command, or one per benchmark)",
			len(o.names), cmds, total)
	}
	return ""
}
