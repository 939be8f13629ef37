//go:build race

package e2e

// raceEnabled builds the gantry binary with the race detector too when the
// tests run with -race, so reloads under load are checked inside the process.
const raceEnabled = true
