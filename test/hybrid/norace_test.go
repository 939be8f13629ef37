//go:build !race

package hybrid

// raceEnabled builds gantry with the race detector when the tests run with -race.
const raceEnabled = false
