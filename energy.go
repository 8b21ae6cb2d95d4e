package adapters

import (
	"runtime"

	"github.com/perfgate/adapters/internal/powercap"
)

// energyMeter brackets a run with two readings of the RAPL package
// counters (Linux powercap); it reads nothing while the child runs.
type energyMeter struct {
	before powercap.Snapshot
	ok     bool
}

// startEnergyMeter takes the first reading. Outside Linux there are no
// counters to read, and the meter stays empty.
func startEnergyMeter() energyMeter {
	if runtime.GOOS != "linux" && runtime.GOOS != "android" {
		return energyMeter{}
	}
	before, ok := powercap.Read(powercap.DefaultRoot)
	return energyMeter{before: before, ok: ok}
}

// finish sets r.EnergyUJ when both readings succeeded.
func (m energyMeter) finish(r *RunResult) {
	if !m.ok {
		return
	}
	if after, ok := powercap.Read(powercap.DefaultRoot); ok {
		if uj, ok := after.EnergySince(m.before); ok {
			r.EnergyUJ = &uj
		}
	}
}
