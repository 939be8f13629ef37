package plugintest

import (
	"testing"

	"github.com/gantryhq/gantry/internal/plugin"
)

// SchemaCase is a plugin entity that validation must reject with exactly
// one error.
type SchemaCase struct {
	Config map[string]any
	Scope  Scope
	Field  string // "config.minute", "consumer"...
	// Message, when set, must be the error's message exactly.
	Message string
}

// CheckSchema validates each case against the registered plugin name, as
// the Admin API and the data plane do, one subtest per case.
func CheckSchema(t *testing.T, name string, cases map[string]SchemaCase) {
	t.Helper()
	reg := plugin.Bundled(nil)
	for caseName, c := range cases {
		t.Run(caseName, func(t *testing.T) {
			t.Parallel()
			errs := reg.Validate(Plugin(name, c.Config, c.Scope))
			if len(errs) != 1 || errs[0].Field != c.Field || (c.Message != "" && errs[0].Message != c.Message) {
				t.Errorf("errors = %v, want one on %s %s", errs, c.Field, c.Message)
			}
		})
	}
}
