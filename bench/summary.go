package bench

import (
	"encoding/json"
	"math"
	"slices"
)

// Value is a type a [Summary] can be of: counts and whole-millisecond
// figures are uint64 (perfgate's U64Summary), times at full resolution
// and rates float64 (F64Summary).
type Value interface{ uint64 | float64 }

// Summary describes a sample of one figure. Summary[uint64] marshals to
// perfgate's U64Summary and Summary[float64] to its F64Summary: median,
// min and max always, mean and stddev when they are finite.
//
// N, the number of values, is not part of perfgate's shape and is not
// written; it is 0 in a Summary decoded from JSON, whose count is unknown.
type Summary[T Value] struct {
	Median T `json:"median"`
	Min    T `json:"min"`
	Max    T `json:"max"`
	// Mean is nil when it is not finite (an infinite or NaN value).
	Mean *float64 `json:"mean,omitempty"`
	// StdDev is the sample standard deviation (n - 1), 0 for one value
	// as perfgate writes it; nil when Mean is nil or it is not finite.
	// SampleStdDev tells a deviation from that 0.
	StdDev *float64 `json:"stddev,omitempty"`
	N      int      `json:"-"`
}

// Summarize summarises values, in any order, as perfgate's summarize_u64
// and summarize_f64 do; ok is false for no values (perfgate's
// NoSamples), and the Summary is then the zero value. values is not
// modified.
//
// A NaN sorts before every number (as [slices.Sort] puts it), so it can
// be the Min or the Median; the mean and deviation are then left out.
// perfgate's own sort makes NaN's place depend on the input order.
func Summarize[T Value](values []T) (s Summary[T], ok bool) {
	n := len(values)
	if n == 0 {
		return s, false
	}
	sorted := slices.Clone(values)
	slices.Sort(sorted)
	s = Summary[T]{Median: median(sorted), Min: sorted[0], Max: sorted[n-1], N: n}
	if mean, variance, ok := meanAndVariance(values); ok {
		sd := math.Sqrt(variance)
		s.Mean, s.StdDev = &mean, &sd
	}
	return s, true
}

// MarshalJSON writes s as perfgate's U64Summary or F64Summary. JSON has no
// NaN or infinity: a Median, Min or Max that is not finite is written as
// null, as perfgate's serde_json writes it, and a Mean or StdDev that is
// not finite is left out, so that every Summary can be marshalled.
func (s Summary[T]) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Median any      `json:"median"`
		Min    any      `json:"min"`
		Max    any      `json:"max"`
		Mean   *float64 `json:"mean,omitempty"`
		StdDev *float64 `json:"stddev,omitempty"`
	}{finiteOrNil(s.Median), finiteOrNil(s.Min), finiteOrNil(s.Max), finitePtr(s.Mean), finitePtr(s.StdDev)})
}

// finiteOrNil returns v, or nil when it is a float64 that is not finite.
func finiteOrNil[T Value](v T) any {
	if f, ok := any(v).(float64); ok && !isFinite(f) {
		return nil
	}
	return v
}

// finitePtr returns p, or nil when *p is not finite.
func finitePtr(p *float64) *float64 {
	if p == nil || !isFinite(*p) {
		return nil
	}
	return p
}

func isFinite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

// SampleStdDev returns the sample standard deviation when there is one:
// not for a single value, whose 0 perfgate writes but hyperfine shows as
// none, nor when StdDev is nil. For a Summary decoded from JSON (N 0) it
// takes StdDev as written.
func (s Summary[T]) SampleStdDev() (float64, bool) {
	if s.N == 1 || s.StdDev == nil {
		return 0, false
	}
	return *s.StdDev, true
}

// median of sorted values (not empty): the middle one, or for an even
// count the mean of the middle two; for uint64 rounded down and computed
// without overflow, as perfgate's median_u64_sorted.
func median[T Value](sorted []T) T {
	n := len(sorted)
	if n%2 == 1 {
		return sorted[n/2]
	}
	lo, hi := sorted[n/2-1], sorted[n/2]
	switch pair := any([2]T{lo, hi}).(type) {
	case [2]uint64:
		a, b := pair[0], pair[1]
		return T(a/2 + b/2 + (a%2+b%2)/2)
	default:
		return (lo + hi) / 2
	}
}

// meanAndVariance is perfgate's mean_and_variance: Welford's one-pass
// mean and the unbiased variance (n - 1; 0 for one value), with ok false
// when either is not finite. values is not empty.
func meanAndVariance[T Value](values []T) (mean, variance float64, ok bool) {
	var m2 float64
	for i, v := range values {
		x := float64(v)
		delta := x - mean
		mean += delta / float64(i+1)
		m2 += delta * (x - mean)
	}
	if n := len(values); n > 1 {
		variance = m2 / float64(n-1)
	}
	if math.IsInf(mean, 0) || math.IsNaN(mean) || math.IsInf(variance, 0) || math.IsNaN(variance) {
		return 0, 0, false
	}
	return mean, max(variance, 0), true
}
