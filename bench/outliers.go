package bench

import (
	"math"
	"slices"
)

// OutlierThreshold is hyperfine's: a modified Z-score whose magnitude is
// above it marks an outlier. 1.4826 turns the median absolute deviation
// into an estimate of the standard deviation; 10 is the number of
// standard deviations.
const OutlierThreshold = 1.4826 * 10

// ModifiedZScores returns (x - median) / MAD for each x, in order
// (Iglewicz and Hoaglin), MAD being the median absolute deviation. A MAD
// of 0 is taken as 2^-52 (Rust's f64::EPSILON), so that any departure
// from an otherwise constant sample scores high, as hyperfine does. It
// returns nil for no values (hyperfine asserts there are some).
func ModifiedZScores(xs []float64) []float64 {
	if len(xs) == 0 {
		return nil
	}
	sorted := slices.Clone(xs)
	slices.Sort(sorted)
	med := median(sorted)
	deviations := make([]float64, len(xs))
	for i, x := range xs {
		deviations[i] = math.Abs(x - med)
	}
	slices.Sort(deviations)
	mad := median(deviations)
	if !(mad > 0) {
		mad = 0x1p-52
	}
	scores := make([]float64, len(xs))
	for i, x := range xs {
		scores[i] = (x - med) / mad
	}
	return scores
}

// Outliers is what hyperfine warns about after a benchmark.
type Outliers int

const (
	// NoOutliers: no modified Z-score is beyond OutlierThreshold.
	NoOutliers Outliers = iota
	// SlowFirstRun: the first run is an outlier on the slow side, the
	// sign of caches filled only by it (hyperfine suggests warm-ups).
	SlowFirstRun
	// OutliersPresent: some run other than a slow first one is an
	// outlier, the sign of interference from other programs.
	OutliersPresent
)

// String names o as hyperfine's warnings describe it.
func (o Outliers) String() string {
	switch o {
	case NoOutliers:
		return "no outliers"
	case SlowFirstRun:
		return "slow first run"
	case OutliersPresent:
		return "statistical outliers"
	}
	return "Outliers(" + itoa(int(o)) + ")"
}

// DetectOutliers classifies a sample in run order (hyperfine uses the
// wall times, see [WallMillis]) as hyperfine does: a slow first run is
// reported in preference to other outliers. No values have none.
func DetectOutliers(xs []float64) Outliers {
	scores := ModifiedZScores(xs)
	if len(scores) == 0 {
		return NoOutliers
	}
	if scores[0] > OutlierThreshold {
		return SlowFirstRun
	}
	for _, s := range scores {
		if math.Abs(s) > OutlierThreshold {
			return OutliersPresent
		}
	}
	return NoOutliers
}
