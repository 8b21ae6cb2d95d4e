package main

import (
	"math"

	"github.com/perfgate/adapters/bench"
)

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

// statsOf summarises get over the runs that have the figure, as perfgate
// does (bench.Summarize); its N is the number of those runs, 0 (and the
// zero Summary) when none has it.
func statsOf(runs []runRecord, get figure) bench.Summary[float64] {
	s, _ := bench.Summarize(valuesOf(runs, get))
	return s
}

// meanOf is s's mean, 0 when there is none (no run had the figure).
func meanOf(s bench.Summary[float64]) float64 {
	if s.Mean == nil {
		return 0
	}
	return *s.Mean
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
