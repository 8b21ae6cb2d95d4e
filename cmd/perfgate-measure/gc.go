package main

import (
	"runtime"
	"runtime/metrics"
)

// gcEveryBytes is how much the command may allocate between two of its
// own garbage collections.
const gcEveryBytes = 64 << 10

// gcPacer collects this process's garbage between runs, never during
// one. Each run allocates some 35 KiB that is garbage once the run is
// reported (the library's buffers, the report). Left to the runtime, the
// heap would grow to its 4 MiB minimum goal before the first collection:
// the command's own peak memory would rise by about 4 MiB over the first
// hundred runs or so, and with it the floor below which a directly
// spawned child's peak is withheld (docs/peak.md), and the collection
// would run concurrently with a measured child. Collecting after every
// gcEveryBytes keeps the peak flat from the first runs on (measured
// with PERFGATE_MEASURE_DEBUG_VMHWM, docs/cli.md: 256 KiB let it rise by
// 1.1 MiB over 1000 runs of /bin/true, 64 KiB by about 0.5 MiB), at the
// cost of one collection of a small heap every two or three runs, between
// them: about 0.7 ms of this process's CPU time per run on the 2-vCPU VM.
// So it paces only when this process's peak is a floor: on Linux, with
// -spawner=false (through the spawner, the spawner's peak is the floor).
// The runtime's own collections stay on, for a run that allocates more
// than that by itself.
type gcPacer struct {
	enabled bool
	sample  []metrics.Sample
	last    uint64 // allocated bytes at the last collection
	warm    bool   // whether a collection has been done
}

// allocated returns the bytes allocated on the heap since the start.
func (g *gcPacer) allocated() uint64 {
	if g.sample == nil {
		g.sample = []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	}
	metrics.Read(g.sample)
	if g.sample[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return g.sample[0].Value.Uint64()
}

// betweenRuns collects garbage after the first run, and then whenever
// gcEveryBytes have been allocated since the last collection. The first
// collection touches some of the collector's own memory (mark bits and
// the like, about 1 MiB), once: doing it at once makes the command's peak
// the same after a few runs as after many.
func (g *gcPacer) betweenRuns() {
	if !g.enabled || g.warm && g.allocated()-g.last < gcEveryBytes {
		return
	}
	runtime.GC()
	g.last, g.warm = g.allocated(), true
}
