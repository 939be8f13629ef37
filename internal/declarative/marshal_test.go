package declarative

import (
	"reflect"
	"strings"
	"testing"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/entity/entitytest"
)

// richConfig parses a document that uses every kind and most field types.
func richConfig(t *testing.T) *entity.Config {
	t.Helper()
	pair := entitytest.SelfSigned(t, entitytest.CertOptions{})
	alt := entitytest.SelfSigned(t, entitytest.CertOptions{RSA: true})
	ca := entitytest.SelfSigned(t, entitytest.CertOptions{CA: true})
	doc := nestedDoc + `certificates:
- cert: |
` + indent(pair.Cert, 4) + `  key: |
` + indent(pair.Key, 4) + `  cert_alt: |
` + indent(alt.Cert, 4) + `  key_alt: |
` + indent(alt.Key, 4) + `  snis: [example.test, "*.example.test"]
ca_certificates:
- cert: |
` + indent(ca.Cert, 4) + `  tags: ["3.0", "true", "null", "é"]
jwt_secrets:
- consumer: alice
  key: iss-1
  secret: "123"
basicauth_credentials:
- consumer: alice
  username: alice
  password: "yes"
routes:
- name: tcp-in
  protocols: [tcp]
  sources: [{ip: 10.0.0.0/8, port: 0}, {port: 9000}]
  created_at: 1700000000
  updated_at: 1700000001
- name: headers
  headers: {X-Version: ["1", "2"], x-single: one}
  methods: [GET]
  regex_priority: -3
  https_redirect_status_code: 301
  strip_path: false
`
	return mustParse(t, doc, Options{})
}

func TestMarshalRoundTrip(t *testing.T) {
	cfg := richConfig(t)
	for _, format := range []string{"yaml", "json"} {
		t.Run(format, func(t *testing.T) {
			out := mustMarshal(t, cfg, format)
			if !strings.Contains(string(out), "_format_version") || !strings.Contains(string(out), "3.0") {
				t.Fatalf("no _format_version in output:\n%s", out)
			}
			back, err := Parse(out, Options{})
			if err != nil {
				t.Fatalf("Parse(Marshal(cfg)): %v\n%s", err, out)
			}
			if !reflect.DeepEqual(cfg, back) {
				t.Fatalf("round trip changed the config:\n%s\nvs\n%s", out, mustMarshal(t, back, format))
			}
			if cfg.Hash() != back.Hash() {
				t.Fatal("round trip changed the hash")
			}
			if back.Routes[1].CreatedAt != 1700000000 {
				t.Fatal("timestamps lost")
			}
		})
	}
}

func TestMarshalUnknownFormat(t *testing.T) {
	if _, err := Marshal(&entity.Config{}, "toml"); err == nil || !strings.Contains(err.Error(), "toml") {
		t.Fatalf("want an error naming the format, got %v", err)
	}
}

func TestMarshalEmptyConfigParses(t *testing.T) {
	for _, format := range []string{"yaml", "json"} {
		cfg, err := Parse(mustMarshal(t, nil, format), Options{})
		if err != nil || !cfg.Empty() {
			t.Fatalf("%s: empty config did not round-trip: %v", format, err)
		}
	}
}
