// Package version holds Gantry's own version and the Kong Admin API level it
// implements. Both are constants so every node reports the same values; the
// hybrid-mode compatibility rules compare Version across nodes.
package version

const (
	// Version is Gantry's semantic version.
	Version = "0.1.0"
	// KongAPI is the Kong Gateway version whose Admin API, entity model and
	// declarative format Gantry follows. `GET /` reports it as "version" so
	// Kong's clients (decK, Terraform providers) pick the right dialect.
	KongAPI = "3.9.0"
)

// String is the one-line form printed by `gantry version`.
func String() string {
	return "Gantry " + Version + " (Kong Admin API " + KongAPI + ")"
}
