package declarative

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// TestLegacyFormatMigratesRoutePaths: a Kong 1.x/2.x file keeps meaning what
// it meant there, as Kong 3.x's loader makes sure.
func TestLegacyFormatMigratesRoutePaths(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, version, path, want string
	}{
		{"regex path gains ~", `"2.1"`, `/users/\d+$`, `~/users/\d+$`},
		{"1.1 too", `"1.1"`, `/users/(?<id>\d+)`, `~/users/(?<id>\d+)`},
		{"unquoted version", `2.1`, `/v\d/`, `~/v\d/`},
		{"plain path kept", `"2.1"`, `/api/v1.0/some-thing_~`, `/api/v1.0/some-thing_~`},
		{"plain path normalized", `"2.1"`, `/a//b/./c/../%7euser/`, `/a/b/~user/`},
		{"plain path keeps reserved bytes encoded", `"2.1"`, `/a%2fb`, `/a%2Fb`},
		{"regex decodes and escapes metacharacters", `"2.1"`, `/files/x%2Epng|%7Cy`, `~/files/x\.png|\|y`},
		{"regex keeps reserved bytes encoded", `"2.1"`, `/x%2f(\d+)`, `~/x%2F(\d+)`},
		{"3.0 is not migrated", `"3.0"`, `/users/\d+`, `/users/\d+`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc := fmt.Sprintf("_format_version: %s\nservices:\n- name: s\n  host: a\n  routes:\n  - name: nested\n    paths: ['%s']\nroutes:\n- name: flat\n  service: s\n  paths: ['%s']\n",
				tt.version, tt.path, tt.path)
			cfg, err := Parse([]byte(doc), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(cfg.Routes) != 2 {
				t.Fatalf("%d routes, want 2", len(cfg.Routes))
			}
			for _, r := range cfg.Routes {
				if !slices.Equal(r.Paths, []string{tt.want}) {
					t.Errorf("route %s paths = %q, want [%q]", r.Name, r.Paths, tt.want)
				}
			}
		})
	}
	t.Run("json document", func(t *testing.T) {
		t.Parallel()
		cfg, err := Parse([]byte(`{"_format_version": "2.1", "routes": [{"name": "r", "paths": ["/users/\\d+"]}]}`), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if got := cfg.Routes[0].Paths; !slices.Equal(got, []string{`~/users/\d+`}) {
			t.Errorf("paths = %q, want [~/users/\\d+]", got)
		}
	})
	t.Run("a migrated regex that does not compile names its place", func(t *testing.T) {
		t.Parallel()
		_, err := Parse([]byte("_format_version: \"2.1\"\nroutes:\n- paths: ['/a(b']\n"), Options{})
		pe := asError(t, err)
		if len(pe.Problems) != 1 || pe.Problems[0].Path != "routes[0].paths[0]" || pe.Problems[0].Line != 3 || !strings.Contains(pe.Problems[0].Message, "invalid regex") {
			t.Fatalf("problems = %v, want one invalid regex at routes[0].paths[0] line 3", err)
		}
	})
}
