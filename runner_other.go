//go:build !unix && !windows

package adapters

import "os"

// processUsageSource names where usageFigures reads: nowhere.
const processUsageSource = ""

// usageFigures has nothing to read: these platforms (plan9, js/wasm,
// wasip1) report no resource usage for a child, so every figure stays nil.
func usageFigures(state *os.ProcessState, r *RunResult) {}

// signalName names a signal by number.
func signalName(sig int) string { return "signal " + itoa(sig) }
