//go:build !race

package gantryproc

// raceEnabled: see race.go.
const raceEnabled = false
