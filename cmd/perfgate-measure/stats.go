package main

import (
	"math"
	"slices"
)

// stats describes a sample of one figure, as hyperfine does: the mean and
// the sample standard deviation (n - 1), the median, the extremes, and n,
// the number of runs that had the figure.
type stats struct {
	N, Total         int // runs with the figure, and all runs
	Mean, StdDev     float64
	Median, Min, Max float64
	hasStdDev        bool // StdDev needs two values
}

// newStats summarises values (in run order); total is the number of runs,
// some of which may lack the figure. values may be empty (N is then 0).
func newStats(values []float64, total int) stats {
	s := stats{N: len(values), Total: total}
	if len(values) == 0 {
		return s
	}
	sorted := slices.Clone(values)
	slices.Sort(sorted)
	s.Min, s.Max = sorted[0], sorted[len(sorted)-1]
	s.Median = median(sorted)
	var sum float64
	for _, v := range values {
		sum += v
	}
	s.Mean = sum / float64(len(values))
	if len(values) > 1 {
		var sq float64
		for _, v := range values {
			sq += (v - s.Mean) * (v - s.Mean)
		}
		s.StdDev = math.Sqrt(sq / float64(len(values)-1))
		s.hasStdDev = true
	}
	return s
}

// median of sorted values (not empty): the middle one, or the mean of the
// middle two.
func median(sorted []float64) float64 {
	n := len(sorted)
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}

// figure reads one figure of a run, in the unit it is shown in.
type figure func(r *runRecord) (float64, bool)

func wallMs(r *runRecord) (float64, bool) { return float64(r.wall.Nanoseconds()) / 1e6, true }

func userMs(r *runRecord) (float64, bool) { return microsMs(r.get(figUserCPUUs)) }

func systemMs(r *runRecord) (float64, bool) { return microsMs(r.get(figSystemCPUUs)) }

func maxRSSKiB(r *runRecord) (float64, bool) {
	v, ok := r.get(figMaxRSSKB)
	return float64(v), ok
}

func microsMs(us uint64, ok bool) (float64, bool) { return float64(us) / 1000, ok }

// statsOf summarises get over the runs that have the figure.
func statsOf(runs []runRecord, get figure) stats {
	return newStats(valuesOf(runs, get), len(runs))
}

// valuesOf returns get of each run that has the figure, in run order.
func valuesOf(runs []runRecord, get figure) []float64 {
	values := make([]float64, 0, len(runs))
	for i := range runs {
		if v, ok := get(&runs[i]); ok {
			values = append(values, v)
		}
	}
	return values
}

// outlierThreshold is hyperfine's: a modified Z-score above it marks an
// outlier. 1.4826 turns the median absolute deviation into an estimate of
// the standard deviation, and 10 is the number of standard deviations.
const outlierThreshold = 1.4826 * 10

// modifiedZScores returns (x - median) / MAD for each x (Iglewicz and
// Hoaglin), with MAD the median absolute deviation, taken as the smallest
// float64 step when it is 0 so that any departure from a constant sample
// scores high, as hyperfine does.
func modifiedZScores(xs []float64) []float64 {
	sorted := slices.Clone(xs)
	slices.Sort(sorted)
	med := median(sorted)
	deviations := make([]float64, len(xs))
	for i, x := range xs {
		deviations[i] = math.Abs(x - med)
	}
	slices.Sort(deviations)
	mad := median(deviations)
	if mad <= 0 {
		mad = 0x1p-52 // f64::EPSILON
	}
	scores := make([]float64, len(xs))
	for i, x := range xs {
		scores[i] = (x - med) / mad
	}
	return scores
}

// outlierKind is what hyperfine warns about after a benchmark.
type outlierKind int

const (
	noOutliers      outlierKind = iota
	slowFirstRun                // the first run is an outlier on the slow side
	outliersPresent             // some other run is an outlier
)

// detectOutliers classifies wall times (in run order) as hyperfine does.
func detectOutliers(walls []float64) outlierKind {
	if len(walls) == 0 {
		return noOutliers
	}
	scores := modifiedZScores(walls)
	if scores[0] > outlierThreshold {
		return slowFirstRun
	}
	for _, s := range scores {
		if math.Abs(s) > outlierThreshold {
			return outliersPresent
		}
	}
	return noOutliers
}

// relativeSpeed is how many times slower a command's mean is than the
// reference's, with its standard deviation by propagation of uncertainty
// (covariance taken as 0), as hyperfine computes it; ok is false when
// either mean is 0. hasStdDev is false when either lacks a deviation.
func relativeSpeed(s, ref stats) (ratio, stddev float64, hasStdDev, ok bool) {
	if s.Mean == 0 || ref.Mean == 0 {
		return 0, 0, false, false
	}
	ratio = s.Mean / ref.Mean
	if !s.hasStdDev || !ref.hasStdDev {
		return ratio, 0, false, true
	}
	stddev = ratio * math.Sqrt(math.Pow(s.StdDev/s.Mean, 2)+math.Pow(ref.StdDev/ref.Mean, 2))
	return ratio, stddev, true, true
}

// runningStats accumulates a mean and a sample standard deviation one
// value at a time (Welford's method), so that the progress line's
// estimate costs the same at every run and allocates nothing.
type runningStats struct {
	n        int
	mean, m2 float64
}

func (r *runningStats) add(x float64) {
	r.n++
	delta := x - r.mean
	r.mean += delta / float64(r.n)
	r.m2 += delta * (x - r.mean)
}

// stdDev is the sample standard deviation (n - 1), and whether there are
// the two values it needs.
func (r *runningStats) stdDev() (float64, bool) {
	if r.n < 2 {
		return 0, false
	}
	return math.Sqrt(max(r.m2/float64(r.n-1), 0)), true
}
