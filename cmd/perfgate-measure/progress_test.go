package main

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
)

func TestProgressLineLayout(t *testing.T) {
	t.Parallel()
	st := progressState{head: "run 2/4", label: "gzip", done: 1, total: 4,
		estimate: "1.000 s ± 0.100 s", perRun: 2 * time.Second}
	assert.Equal(t, "run 2/4: gzip  ███░░░░░░░░░  mean 1.000 s ± 0.100 s  ETA 0:06", st.line(0),
		"1 run of 4 done is 3 cells of 12; 3 runs of 2 s are left")
	// 1.75 runs of 4 done is 5.25 cells; 3 runs of 2 s less 1.5 s are left.
	assert.Equal(t, "run 2/4: gzip  █████░░░░░░░  1.5 s  mean 1.000 s ± 0.100 s  ETA 0:05",
		st.line(1500*time.Millisecond))

	// The first run of an automatic count: no total yet, so no bar, no ETA.
	first := progressState{head: "run 1", label: "gzip"}
	assert.Equal(t, "run 1: gzip", first.line(0))
	assert.Equal(t, "run 1: gzip  1.5 s", first.line(1500*time.Millisecond))

	// A long line gives up the command, then bar cells, then "mean ".
	long := progressState{head: "command 10/10, run 100/100", label: strings.Repeat("x", 80), done: 99, total: 100,
		estimate: "123.456 ms ± 12.345 ms", perRun: time.Hour}
	for _, elapsed := range []time.Duration{0, 12 * time.Second} {
		line := long.line(elapsed)
		assert.LessOrEqual(t, utf8.RuneCountInString(line), progressWidth, line)
		assert.NotContains(t, line, "x", line)
		assert.NotContains(t, line, "mean", line)
		assert.Regexp(t, `^command 10/10, run 100/100  █████░  (12\.0 s  )?123\.456 ms ± 12\.345 ms  ETA (1:00:00|59:48)$`, line)
	}
	mid := long
	mid.head, mid.label, mid.estimate, mid.perRun = "run 3/4", strings.Repeat("y", 80), "1.000 s", 0
	line := mid.line(0)
	assert.Equal(t, progressWidth-elapsedRoom, utf8.RuneCountInString(line), line)
	assert.Contains(t, line, "yyy…  ", "a long command is cut")

	assert.Equal(t, "1:02:05", clock(3725*time.Second))
	assert.Equal(t, "0:59", clock(59*time.Second))
}
