//go:build !linux

package adapters

type energySnapshot struct{}

// readEnergy has no source outside Linux.
func readEnergy() (energySnapshot, bool) { return energySnapshot{}, false }

func energyUsed(before, after energySnapshot) (uint64, bool) { return 0, false }
