//go:build linux

package adapters

import "github.com/perfgate/adapters/internal/powercap"

// powercapRoot is where Linux exposes RAPL energy counters.
const powercapRoot = "/sys/class/powercap"

type energySnapshot = powercap.Snapshot

// readEnergy reads the RAPL counters; ok is false where there are none or
// they are not readable (they are root-only on most kernels).
func readEnergy() (energySnapshot, bool) { return powercap.Read(powercapRoot) }

func energyUsed(before, after energySnapshot) (uint64, bool) { return after.EnergySince(before) }
