package declarative

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse feeds documents to Parse. It must never panic; a failure must be
// an *Error with at least one problem; a success must be a configuration that
// re-validates and survives Marshal and Parse with the same hash.
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/golden/*")
	for _, s := range seeds {
		if data, err := os.ReadFile(s); err == nil {
			f.Add(data)
		}
	}
	for _, s := range []string{
		nestedDoc, flatDoc, "", "{}", "[]", "null", "_format_version: \"3.0\"\n",
		`{"_format_version":"3.0","services":[{"host":"a","routes":[{"paths":["/"]}]}]}`,
		"_format_version: \"3.0\"\nservices:\n- host: a\n  port: 1e400\n",
		"_format_version: \"3.0\"\na: &a [*a]\n",
		"_format_version: \"3.0\"\nplugins:\n- name: x\n  config: {a: [1, {b: null}], c: !!str 12}\n",
		"_format_version: \"3.0\"\nroutes:\n- hosts: [\"*.a.*\"]\n  headers: {x: y}\n",
		"{\"_format_version\": \"3.0\", \"services\": [{\"host\": \"a\",}]}",
		"_format_version: \"2.1\"\nroutes:\n- paths: ['/a%2e(b|c)', '/x//y/../%7e']\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Parse(data, Options{IgnoreUnknownNull: len(data)%2 == 0})
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) || len(pe.Problems) == 0 {
				t.Fatalf("error is not a non-empty *Error: %v", err)
			}
			return
		}
		if verr := cfg.Validate(); verr != nil {
			t.Fatalf("accepted config does not re-validate: %v", verr)
		}
		out, err := Marshal(cfg, "json")
		if err != nil {
			t.Fatalf("Marshal: %v", err)
		}
		back, err := Parse(out, Options{})
		if err != nil {
			t.Fatalf("Parse(Marshal(cfg)): %v\n%s", err, out)
		}
		if back.Hash() != cfg.Hash() {
			t.Fatalf("round trip changed the hash:\n%s", out)
		}
	})
}
