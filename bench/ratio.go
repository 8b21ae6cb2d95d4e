package bench

import (
	"math"
	"strconv"
)

// Ratio is how many times a mean is a reference's, with the standard
// deviation of that ratio.
type Ratio struct {
	// Value is mean / reference mean: above 1 when slower than the
	// reference.
	Value float64 `json:"mean"`
	// StdDev propagates both samples' deviations (covariance taken as 0),
	// as hyperfine does, and is never negative (a mean below 0 gives a
	// negative Value, not a negative deviation); nil when either has no
	// sample deviation.
	StdDev *float64 `json:"stddev,omitempty"`
}

// RelativeSpeed is s's mean relative to ref's, as hyperfine's
// compute_relative_speeds computes it for a command slower than (or as
// fast as) its reference; ok is false when either mean is missing or 0,
// where hyperfine shows no comparison. The deviation uses
// [Summary.SampleStdDev]: a summary of one value has none.
func RelativeSpeed[T Value](s, ref Summary[T]) (r Ratio, ok bool) {
	if s.Mean == nil || ref.Mean == nil || *s.Mean == 0 || *ref.Mean == 0 {
		return r, false
	}
	mean, refMean := *s.Mean, *ref.Mean
	r.Value = mean / refMean
	sd, ok1 := s.SampleStdDev()
	refSD, ok2 := ref.SampleStdDev()
	if ok1 && ok2 {
		// https://en.wikipedia.org/wiki/Propagation_of_uncertainty#Example_formulas
		// The magnitude: a deviation is never negative, whatever the
		// signs of the means.
		v := math.Abs(r.Value) * math.Sqrt(math.Pow(sd/mean, 2)+math.Pow(refSD/refMean, 2))
		r.StdDev = &v
	}
	return r, true
}

// Inverse is reference mean / mean with the same relative uncertainty:
// how hyperfine words a command faster than its reference ("2.00 times
// faster than" rather than "0.50 times").
func (r Ratio) Inverse() Ratio {
	inv := Ratio{Value: 1 / r.Value}
	if r.StdDev != nil {
		v := math.Abs(inv.Value * (*r.StdDev / r.Value))
		inv.StdDev = &v
	}
	return inv
}

func itoa(i int) string { return strconv.Itoa(i) }
