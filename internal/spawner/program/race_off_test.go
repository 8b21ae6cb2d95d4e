//go:build !race

package program

// raceEnabled says the tests run under the race detector, which makes
// the test binary and its helper processes several times bigger (not
// the spawner: no Go code runs in it).
const raceEnabled = false
