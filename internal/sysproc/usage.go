package sysproc

import "time"

// Usage is the operating-system-neutral content of a struct rusage.
type Usage struct {
	User, System             time.Duration
	MaxRSSRaw                int64
	MinorFaults, MajorFaults int64
	InBlocks, OutBlocks      int64
	Voluntary, Involuntary   int64
}
