package settings

import (
	"fmt"
	"maps"
	"slices"

	"github.com/gantryhq/gantry/internal/spell"
)

// unknownKey is the error for a key that names no setting, with the
// closest setting's name when one is near enough to be a typo.
func unknownKey(key string, known map[string]bool) string {
	if best := spell.Closest(key, slices.Collect(maps.Keys(known))); best != "" {
		return fmt.Sprintf("unknown setting %q (did you mean %q? see docs/configuration.md for the list)", key, best)
	}
	return fmt.Sprintf("unknown setting %q (see docs/configuration.md for the list)", key)
}
