//go:build race

package gantryproc

// raceEnabled builds gantry with the race detector when the tests run with
// -race, so the processes are checked too.
const raceEnabled = true
