// Package bench holds what a benchmark harness writes around one run of
// [adapters.ProcessRunner.Run]: repeating a command with warm-ups
// ([Repeat]), summarising the runs exactly as perfgate does ([Summarize],
// [ComputeStats]), hyperfine's outlier test ([DetectOutliers]), the ratio
// of two means with its propagated uncertainty ([RelativeSpeed]), and the
// perfgate.run.v1 receipt of a series ([NewReceipt], [Receipt.WriteFile]).
//
// The root package stays about running and measuring one command; this
// one is what a Go harness, and the perfgate-measure CLI, build on top.
// Everything here is pure Go and compiles on every platform the root
// package does.
//
// Summaries follow perfgate's summarize_u64 and summarize_f64 to the bit:
// the median of an even count is the mean of the middle two (rounded down,
// without overflow, for integers); the mean and the sample standard
// deviation (n - 1) come from Welford's one-pass method; one value has a
// standard deviation of 0; a mean or deviation that is not finite is left
// out; no values give no summary. Outliers and relative speeds follow
// hyperfine (src/outlier_detection.rs, src/benchmark/relative_speed.rs).
package bench
