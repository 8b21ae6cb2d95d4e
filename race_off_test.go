//go:build !race

package adapters

// raceEnabled says the tests run under the race detector, which makes
// every process (the spawner too) several times bigger.
const raceEnabled = false
