package declarative

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/entity/entitytest"
)

const nestedDoc = `_format_version: "3.0"
services:
- name: orders
  url: http://orders.internal:8080/v1
  tags: [team-a]
  routes:
  - name: orders-api
    paths: [/orders, "~/orders/(?<id>\\d+)$"]
    hosts: [API.example.com]
    plugins:
    - name: key-auth
      config: {key_names: [apikey]}
  plugins:
  - name: rate-limiting
    config: {minute: 10, policy: local}
upstreams:
- name: orders.internal
  algorithm: least-connections
  healthchecks:
    active:
      timeout: 2
      healthy: {interval: 5}
  targets:
  - target: 10.0.0.1
  - target: 10.0.0.2:8080
    weight: 50
consumers:
- username: alice
  keyauth_credentials:
  - key: alice-key
  acls:
  - group: admins
  plugins:
  - name: rate-limiting
    config: {minute: 100}
plugins:
- name: cors
`

const flatDoc = `_format_version: "3.0"
consumers:
- username: alice
keyauth_credentials:
- consumer: alice
  key: alice-key
acls:
- consumer: alice
  group: admins
plugins:
- name: cors
- name: rate-limiting
  consumer: alice
  config: {minute: 100}
- name: rate-limiting
  service: orders
  config: {minute: 10, policy: local}
- name: key-auth
  route: orders-api
  config: {key_names: [apikey]}
targets:
- upstream: orders.internal
  target: 10.0.0.1:8000
- upstream: {name: orders.internal}
  target: 10.0.0.2:8080
  weight: 50
routes:
- name: orders-api
  service: orders
  paths: [/orders, "~/orders/(?<id>\\d+)$"]
  hosts: [api.example.com]
services:
- name: orders
  protocol: http
  host: orders.internal
  port: 8080
  path: /v1
  tags: [team-a]
upstreams:
- name: orders.internal
  algorithm: least-connections
  healthchecks:
    active:
      timeout: 2
      healthy: {interval: 5}
`

func mustParse(t *testing.T, doc string, opts Options) *entity.Config {
	t.Helper()
	cfg, err := Parse([]byte(doc), opts)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return cfg
}

func TestParseNestedForm(t *testing.T) {
	cfg := mustParse(t, nestedDoc, Options{})
	if len(cfg.Services) != 1 || len(cfg.Routes) != 1 || len(cfg.Plugins) != 4 || len(cfg.Targets) != 2 ||
		len(cfg.KeyAuths) != 1 || len(cfg.ACLs) != 1 {
		t.Fatalf("wrong entity counts: %+v", cfg)
	}
	s, r := cfg.Services[0], cfg.Routes[0]
	if s.Host != "orders.internal" || s.Port != 8080 || s.Path != "/v1" || s.URL != "" {
		t.Errorf("service url not expanded: %+v", s)
	}
	if r.Service == nil || r.Service.ID != s.ID || r.Hosts[0] != "api.example.com" {
		t.Errorf("route not attached/normalized: %+v", r)
	}
	if cfg.Targets[0].Target != "10.0.0.1:8000" || cfg.Targets[0].Upstream.ID != cfg.Upstreams[0].ID {
		t.Errorf("target: %+v", cfg.Targets[0])
	}
	if cfg.Upstreams[0].Healthchecks.Active.Timeout != 2 || cfg.Upstreams[0].Healthchecks.Active.Concurrency != 10 {
		t.Errorf("healthchecks not merged over defaults: %+v", cfg.Upstreams[0].Healthchecks.Active)
	}
	scopes := map[string]int{}
	for _, p := range cfg.Plugins {
		switch {
		case p.Route != nil:
			scopes["route:"+p.Name]++
		case p.Service != nil:
			scopes["service:"+p.Name]++
		case p.Consumer != nil:
			scopes["consumer:"+p.Name]++
		default:
			scopes["global:"+p.Name]++
		}
	}
	want := map[string]int{"route:key-auth": 1, "service:rate-limiting": 1, "consumer:rate-limiting": 1, "global:cors": 1}
	if !reflect.DeepEqual(scopes, want) {
		t.Errorf("plugin scopes %v, want %v", scopes, want)
	}
	if m := cfg.Plugins[1].Config["minute"]; m != float64(10) && cfg.Plugins[1].Name == "rate-limiting" {
		t.Errorf("plugin config numbers must decode as float64 like encoding/json, got %T", m)
	}
	cfg.Each(func(e entity.Entity) {
		if !entity.IsUUID(e.GetID()) {
			t.Errorf("%s has no generated id", e.EntityKind())
		}
	})
}

func TestParseNestedAndFlatAreTheSameConfig(t *testing.T) {
	nested := mustParse(t, nestedDoc, Options{})
	flat := mustParse(t, flatDoc, Options{})
	if nested.Hash() != flat.Hash() {
		t.Fatalf("nested and flat forms differ:\n%s\n%s", mustMarshal(t, nested, "yaml"), mustMarshal(t, flat, "yaml"))
	}
}

func TestParseIsDeterministic(t *testing.T) {
	a := mustParse(t, nestedDoc, Options{})
	b := mustParse(t, nestedDoc, Options{})
	if a.Hash() != b.Hash() || !reflect.DeepEqual(a, b) {
		t.Fatal("parsing the same document twice gave different configurations")
	}
	changed := mustParse(t, strings.Replace(nestedDoc, "weight: 50", "weight: 51", 1), Options{})
	if changed.Hash() == a.Hash() {
		t.Fatal("a changed weight did not change the hash")
	}
}

func TestParseJSONMatchesYAML(t *testing.T) {
	y := mustParse(t, nestedDoc, Options{})
	j := mustParse(t, string(mustMarshal(t, y, "json")), Options{})
	if !reflect.DeepEqual(y, j) {
		t.Fatal("JSON form of the document parses differently")
	}
}

func TestParseReferencesByID(t *testing.T) {
	id := "0d8c3a8e-9e0c-4d51-a7a5-8c1b3f2f6a10"
	cfg := mustParse(t, `{"_format_version": "3.0",
 "services": [{"id": "`+id+`", "host": "a.internal"}],
 "routes": [{"service": {"id": "`+id+`"}, "paths": ["/"]}]}`, Options{})
	if cfg.Services[0].ID != id || cfg.Routes[0].Service.ID != id {
		t.Fatalf("explicit id not kept: %+v %+v", cfg.Services[0], cfg.Routes[0].Service)
	}
}

func TestParseTransformHashesBasicAuthPasswords(t *testing.T) {
	doc := "_format_version: \"3.0\"\n%s\nconsumers:\n- username: bob\n  basicauth_credentials:\n  - {username: bob, password: s3cret}\n"
	hashed := mustParse(t, strings.Replace(doc, "%s", "", 1), Options{})
	b := hashed.BasicAuths[0]
	if b.Password != entity.HashBasicAuthPassword(hashed.Consumers[0].ID, "s3cret") {
		t.Fatalf("password not hashed with _transform default true: %q", b.Password)
	}
	raw := mustParse(t, strings.Replace(doc, "%s", "_transform: false", 1), Options{})
	if raw.BasicAuths[0].Password != "s3cret" {
		t.Fatalf("_transform: false must keep the password as is, got %q", raw.BasicAuths[0].Password)
	}
}

func TestParseCertificatesAndSNIs(t *testing.T) {
	pair := entitytest.SelfSigned(t, entitytest.CertOptions{})
	ca := entitytest.SelfSigned(t, entitytest.CertOptions{CA: true})
	doc := "_format_version: \"3.0\"\ncertificates:\n- cert: |\n" + indent(pair.Cert, 4) + "  key: |\n" + indent(pair.Key, 4) +
		"  snis: [Example.test, {name: www.example.test, tags: [x]}]\nca_certificates:\n- cert: |\n" + indent(ca.Cert, 4) +
		"services:\n- name: s\n  url: https://a.internal\n  ca_certificates: []\n"
	cfg := mustParse(t, doc, Options{})
	if len(cfg.SNIs) != 2 || cfg.SNIs[0].Name != "example.test" || cfg.SNIs[1].Certificate.ID != cfg.Certificates[0].ID {
		t.Fatalf("snis: %+v", cfg.SNIs)
	}
	if len(cfg.Certificates[0].SNIs) != 0 {
		t.Fatal("snis shorthand must become snis entities, not stay on the certificate")
	}
	if len(cfg.CACertificates[0].CertDigest) != 64 {
		t.Fatal("ca certificate digest not computed")
	}
}

func TestParseValidatePluginHook(t *testing.T) {
	opts := Options{ValidatePlugin: func(p *entity.Plugin) entity.Errors {
		if p.Name != "rate-limiting" {
			return nil
		}
		if _, ok := p.Config["policy"]; !ok {
			p.Config["policy"] = "local" // schemas may fill defaults
		}
		if m, _ := p.Config["minute"].(float64); m > 50 {
			return entity.Errors{{Field: "config.minute", Message: "must be at most 50"}}
		}
		return nil
	}}
	_, err := Parse([]byte(nestedDoc), opts)
	pe := asError(t, err)
	if len(pe.Problems) != 1 || pe.Problems[0].Path != "consumers[0].plugins[0].config.minute" || pe.Problems[0].Line != 35 {
		t.Fatalf("want one problem at consumers[0].plugins[0].config.minute line 35, got %v", err)
	}
	cfg := mustParse(t, strings.Replace(nestedDoc, "minute: 100", "minute: 20", 1), opts)
	for _, p := range cfg.Plugins {
		if p.Name == "rate-limiting" && p.Config["policy"] != "local" {
			t.Fatal("defaults filled by ValidatePlugin were lost")
		}
	}
}

func TestLoadFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kong.yaml")
	if err := os.WriteFile(path, []byte(nestedDoc), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadFile(path, Options{}); err != nil {
		t.Fatal(err)
	}
	_, err := LoadFile(filepath.Join(t.TempDir(), "missing.yaml"), Options{})
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("want a not-exist error, got %v", err)
	}
	if err := os.WriteFile(path, []byte("_format_version: \"3.0\"\nservices: 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = LoadFile(path, Options{})
	var pe *Error
	if !errors.As(err, &pe) || !strings.Contains(err.Error(), path) {
		t.Fatalf("want *Error naming the file, got %v", err)
	}
}

func asError(t *testing.T, err error) *Error {
	t.Helper()
	var pe *Error
	if !errors.As(err, &pe) {
		t.Fatalf("want *declarative.Error, got %T %v", err, err)
	}
	return pe
}

func indent(s string, n int) string {
	pad := strings.Repeat(" ", n)
	return pad + strings.ReplaceAll(strings.TrimSpace(s), "\n", "\n"+pad) + "\n"
}

func mustMarshal(t *testing.T, cfg *entity.Config, format string) []byte {
	t.Helper()
	b, err := Marshal(cfg, format)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
