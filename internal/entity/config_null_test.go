package entity

import (
	"encoding/json"
	"errors"
	"testing"
)

// TestConfigValidateNullEntries: a null in any kind's list (a "- " alone in
// a declarative file) is reported under that kind, never dereferenced.
func TestConfigValidateNullEntries(t *testing.T) {
	for _, k := range Kinds {
		t.Run(string(k), func(t *testing.T) {
			var c Config
			if err := json.Unmarshal([]byte(`{"`+string(k)+`": [null]}`), &c); err != nil {
				t.Fatal(err)
			}
			if n := len(c.OfKind(k)); n != 1 {
				t.Fatalf("decoded %d %s, want the one null", n, k)
			}
			var ce *ConfigErrors
			if err := c.Validate(); !errors.As(err, &ce) {
				t.Fatalf("Validate = %v, want *ConfigErrors", err)
			}
			if len(ce.Errors) != 1 || ce.Errors[0].Kind != k || ce.Errors[0].Index != 0 || ce.Errors[0].Message != "entity is null" {
				t.Fatalf("errors = %+v, want one 'entity is null' for %s[0]", ce.Errors, k)
			}
		})
	}
}
