package declarative

import (
	"fmt"
	"strings"
	"testing"

	"github.com/gantryhq/gantry/internal/entity/entitytest"
)

// wantProblem is a Problem to find: Path exact, Line exact when not 0,
// Message a substring.
type wantProblem struct {
	path string
	line int
	msg  string
}

func TestParseErrors(t *testing.T) {
	pair := entitytest.SelfSigned(t, entitytest.CertOptions{})
	other := entitytest.SelfSigned(t, entitytest.CertOptions{})
	certDoc := func(cert, key string) string {
		return "_format_version: \"3.0\"\ncertificates:\n- cert: |\n" + indent(cert, 4) + "  key: |\n" + indent(key, 4)
	}
	tests := []struct {
		name string
		doc  string
		opts Options
		want []wantProblem
	}{
		{"malformed yaml", "_format_version: \"3.0\"\nservices:\n  - name: a\n   host: b\n", Options{},
			[]wantProblem{{"", 4, "malformed YAML"}}},
		{"malformed json", "{\"_format_version\": \"3.0\",\n \"services\": [\n  {\"name\": \"a\" \"host\": \"b\"}\n]}", Options{},
			[]wantProblem{{"", 3, "malformed JSON: invalid character '\"' after object key:value pair"}}},
		{"json with trailing comma is still valid yaml", "{\"_format_version\": \"3.0\",\n \"services\": [{\"host\": \"a\",}]}", Options{}, nil},
		{"truncated json", "{\"_format_version\": \"3.0\",\n \"services\": [", Options{},
			[]wantProblem{{"", 2, "malformed JSON: unexpected end of input"}}},
		{"duplicate yaml key", "_format_version: \"3.0\"\nservices:\n- name: a\n  name: b\n  host: h\n", Options{},
			[]wantProblem{{"", 4, "already defined"}}},
		{"duplicate json key", "{\"_format_version\": \"3.0\",\n\"services\": [{\"host\": \"a\",\n \"host\": \"b\"}]}", Options{},
			[]wantProblem{{"", 3, "malformed JSON: duplicate key \"host\""}}},
		{"empty document", "", Options{}, []wantProblem{{"", 1, "missing '_format_version'"}}},
		{"missing version", "services: []\n", Options{}, []wantProblem{{"", 1, "missing '_format_version'"}}},
		{"bad version", "_format_version: \"4.0\"\n", Options{}, []wantProblem{{"_format_version", 1, "unsupported value '4.0'"}}},
		{"unquoted version ok", "_format_version: 3.0\nservices: []\n", Options{}, nil},
		{"transform wrong type", "_format_version: \"3.0\"\n_transform: \"no\"\n", Options{},
			[]wantProblem{{"_transform", 2, "expected a boolean (got a string)"}}},
		{"transform null keeps default", "_format_version: \"3.0\"\n_transform: null\n", Options{}, nil},
		{"top level list", "- a\n", Options{}, []wantProblem{{"", 1, "expected a record at the top"}}},
		{"unknown top-level key", "_format_version: \"3.0\"\nservicez: []\n", Options{}, []wantProblem{{"servicez", 2, "unknown field"}}},
		{"unknown field", "_format_version: \"3.0\"\nservices:\n- host: a\n  hots: b\n", Options{},
			[]wantProblem{{"services[0].hots", 4, "unknown field"}}},
		{"unknown null field ignored on request", "_format_version: \"3.0\"\nservices:\n- host: a\n  new_field: null\n",
			Options{IgnoreUnknownNull: true}, nil},
		{"unknown null field is an error by default", "_format_version: \"3.0\"\nservices:\n- host: a\n  new_field: null\n",
			Options{}, []wantProblem{{"services[0].new_field", 4, "unknown field"}}},
		{"unknown null fields ignored at every depth", "_format_version: \"3.0\"\nvaults: null\nupstreams:\n- name: u\n  healthchecks: {active: {new_knob: null}}\n  targets:\n  - {target: a, upstream_extra: null}\n",
			Options{IgnoreUnknownNull: true}, nil},
		{"ignored unknown null does not hide a missing reference", "_format_version: \"3.0\"\ntargets:\n- upstream: {new_field: null}\n  target: a\n",
			Options{IgnoreUnknownNull: true}, []wantProblem{{"targets[0].upstream", 3, "a reference needs 'id'"}}},
		{"ignored unknown null does not hide validation of its record", "_format_version: \"3.0\"\nupstreams:\n- name: u\n  healthchecks: {active: {new_knob: null, concurrency: 0}}\n",
			Options{IgnoreUnknownNull: true}, []wantProblem{{"upstreams[0].healthchecks.active.concurrency", 4, "value should be between"}}},
		{"unknown non-null field still an error", "_format_version: \"3.0\"\nservices:\n- host: a\n  new_field: 1\n",
			Options{IgnoreUnknownNull: true}, []wantProblem{{"services[0].new_field", 4, "unknown field"}}},
		{"wrong types", "_format_version: \"3.0\"\nservices:\n- host: a\n  port: \"80\"\n  enabled: 1\n  tags: x\n", Options{},
			[]wantProblem{
				{"services[0].port", 4, "expected an integer (got a string)"},
				{"services[0].enabled", 5, "expected a boolean (got a number)"},
				{"services[0].tags", 6, "expected an array (got a string)"},
			}},
		{"entity not a record", "_format_version: \"3.0\"\nroutes:\n- /a\n", Options{},
			[]wantProblem{{"routes[0]", 3, "expected a record (got a string)"}}},
		{"nested list not a list", "_format_version: \"3.0\"\nservices:\n- host: a\n  routes: {paths: [/]}\n", Options{},
			[]wantProblem{{"services[0].routes", 4, "expected an array"}}},
		{"nested parent field set", "_format_version: \"3.0\"\nservices:\n- name: a\n  host: a\n  routes:\n  - service: a\n    paths: [/]\n", Options{},
			[]wantProblem{{"services[0].routes[0].service", 6, "remove this field"}}},
		{"duplicate names", "_format_version: \"3.0\"\nservices:\n- name: a\n  host: a\n- name: a\n  host: b\n", Options{},
			[]wantProblem{{"services[1].name", 5, "uniqueness violation: 'services' entity with name set to 'a' already declared"}}},
		{"duplicate consumer in nested credential", "_format_version: \"3.0\"\nconsumers:\n- username: a\n  keyauth_credentials: [{key: k}]\n- username: b\n  keyauth_credentials: [{key: k}]\n", Options{},
			[]wantProblem{{"consumers[1].keyauth_credentials[0].key", 6, "uniqueness violation"}}},
		{"dangling reference", "_format_version: \"3.0\"\nroutes:\n- paths: [/]\n  service: nope\n", Options{},
			[]wantProblem{{"routes[0].service", 4, "invalid reference 'service: nope' (no such entry in 'services')"}}},
		{"dangling target upstream", "_format_version: \"3.0\"\ntargets:\n- target: a:1\n  upstream: {id: 0d8c3a8e-9e0c-4d51-a7a5-8c1b3f2f6a10}\n", Options{},
			[]wantProblem{{"targets[0].upstream", 4, "no such entry in 'upstreams'"}}},
		{"invalid regex", "_format_version: \"3.0\"\nroutes:\n- paths:\n  - /ok\n  - ~/a(b\n", Options{},
			[]wantProblem{{"routes[0].paths[1]", 5, "invalid regex: '/a(b' (missing closing )"}}},
		{"service url host error points at url", "_format_version: \"3.0\"\nservices:\n- url: http://a_b!/x\n", Options{},
			[]wantProblem{{"services[0].url", 3, "invalid hostname: a_b!"}}},
		{"entity-level error", "_format_version: \"3.0\"\nconsumers:\n- tags: [a]\n", Options{},
			[]wantProblem{{"consumers[0]", 3, "at least one of these fields must be non-empty"}}},
		{"certificate garbage", certDoc("hello", pair.Key), Options{},
			[]wantProblem{{"certificates[0].cert", 3, "invalid certificate"}}},
		{"certificate key mismatch", certDoc(pair.Cert, other.Key), Options{},
			[]wantProblem{{"certificates[0].key", 0, "certificate does not match key"}}},
		{"every problem reported", "_format_version: \"3.0\"\nservices:\n- host: a\n  port: x\n  routes:\n  - paths: [nope]\n    methods: [get]\nupstreams:\n- name: u\n  slots: 1\n", Options{},
			[]wantProblem{
				{"services[0].port", 4, "expected an integer"},
				{"services[0].routes[0].paths[0]", 6, "should start with"},
				{"services[0].routes[0].methods[0]", 7, "invalid value: get"},
				{"upstreams[0].slots", 10, "value should be between 10 and 65536"},
			}},
		{"nan in plugin config", "_format_version: \"3.0\"\nplugins:\n- name: x\n  config: {a: .nan}\n", Options{},
			[]wantProblem{{"plugins[0].config.a", 4, "infinity and NaN are not allowed"}}},
		{"alias and merge keys", "_format_version: \"3.0\"\nx-base: &base {host: a.internal, retries: 1}\nservices:\n- <<: *base\n  name: s\n", Options{},
			[]wantProblem{{"x-base", 2, "unknown field"}}},
		{"unknown alias", "_format_version: \"3.0\"\nservices:\n- *nope\n", Options{}, []wantProblem{{"", 3, ""}}},
		{"json nested too deep", "{\"_format_version\": \"3.0\", \"x\": " + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + "}", Options{},
			[]wantProblem{{"", 1, "nested more than 512 levels deep"}}},
		{"yaml flow nested too deep", "_format_version: \"3.0\"\nx: " + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + "\n", Options{},
			[]wantProblem{{"", 2, "nested more than 512 levels deep"}}},
		{"brackets in a quoted string are not nesting", "_format_version: \"3.0\"\nplugins:\n- name: x\n  config: {a: \"" + strings.Repeat("[", 600) + "\"}\n", Options{}, nil},
		{"two yaml documents", "_format_version: \"3.0\"\n---\n_format_version: \"3.0\"\n", Options{},
			[]wantProblem{{"", 3, "only one YAML document"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := Parse([]byte(tc.doc), tc.opts)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("want success, got %v", err)
				}
				if cfg == nil {
					t.Fatal("nil config without error")
				}
				return
			}
			pe := asError(t, err)
			if len(pe.Problems) != len(tc.want) {
				t.Fatalf("want %d problems, got %d:\n%v", len(tc.want), len(pe.Problems), err)
			}
			for i, w := range tc.want {
				p := pe.Problems[i]
				if p.Path != w.path || (w.line != 0 && p.Line != w.line) || !strings.Contains(p.Message, w.msg) {
					t.Errorf("problem %d = %s, want %s (line %d): %s", i, p, w.path, w.line, w.msg)
				}
			}
		})
	}
}

// TestAliasesPastTheLimitAreAnError: aliases can push a small file past
// maxNodes in one step; the file must then be refused, never loaded with
// what follows the alias silently dropped.
func TestAliasesPastTheLimitAreAnError(t *testing.T) {
	var b strings.Builder
	b.WriteString("_format_version: \"3.0\"\nplugins:\n- name: big\n  config:\n    a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i <= 6; i++ {
		fmt.Fprintf(&b, "    a%d: &a%d [%s]\n", i, i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*a%d, ", i-1), 10), ", "))
	}
	b.WriteString("services:\n- name: after-the-alias\n  host: example.com\n")
	cfg, err := Parse([]byte(b.String()), Options{})
	if err == nil {
		t.Fatalf("a document past the size limit loaded, with %d services", len(cfg.Services))
	}
	if pe := asError(t, err); !strings.Contains(pe.Problems[0].Message, "document too large") {
		t.Fatalf("error = %v, want document too large", err)
	}
}

func TestProblemsCarryEntityIdentity(t *testing.T) {
	_, err := Parse([]byte("_format_version: \"3.0\"\nservices:\n- name: orders\n  host: a\n  retries: -1\n"), Options{})
	p := asError(t, err).Problems[0]
	if p.Kind != "services" || p.EntityKey != "orders" || p.Field != "retries" || p.EntityID == "" {
		t.Fatalf("problem lacks entity identity: %+v", p)
	}
}

func TestErrorRenderingIsBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString("_format_version: \"3.0\"\nservices:\n")
	for i := 0; i < 150; i++ {
		b.WriteString("- host: a\n  port: -1\n")
	}
	_, err := Parse([]byte(b.String()), Options{})
	pe := asError(t, err)
	if len(pe.Problems) != 150 {
		t.Fatalf("want every problem kept, got %d", len(pe.Problems))
	}
	msg := err.Error()
	if !strings.Contains(msg, "(150 errors)") || !strings.Contains(msg, "... and 50 more") || strings.Count(msg, "\n") != 101 {
		t.Fatalf("rendering not bounded as expected:\n%s", msg)
	}
}
