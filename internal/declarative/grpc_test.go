package declarative

import (
	"strings"
	"testing"
)

// TestParseGRPCRouteStripPath: as in Kong, a gRPC route defaults strip_path
// to false (a gRPC method is the whole path) and refuses an explicit true.
func TestParseGRPCRouteStripPath(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, stripPath string // "" leaves strip_path out
		wantErr         string
	}{
		{"left out", "", ""},
		{"null", "null", ""},
		{"false", "false", ""},
		{"true is refused", "true", "services[0].routes[0].strip_path (line 8): cannot set 'strip_path' when 'protocols' is 'grpc' or 'grpcs'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc := "_format_version: \"3.0\"\nservices:\n- name: g\n  url: grpc://127.0.0.1:50051\n  routes:\n  - protocols: [grpc, grpcs]\n    paths: [/pkg.Service/]\n"
			if tt.stripPath != "" {
				doc += "    strip_path: " + tt.stripPath + "\n"
			}
			cfg, err := Parse([]byte(doc), Options{})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Routes[0].StripPath {
				t.Error("strip_path = true, want false for a gRPC route")
			}
		})
	}
	t.Run("http routes still default to true", func(t *testing.T) {
		t.Parallel()
		cfg, err := Parse([]byte("_format_version: \"3.0\"\nroutes:\n- paths: [/a]\n"), Options{})
		if err != nil || !cfg.Routes[0].StripPath {
			t.Fatalf("strip_path = %v (%v), want true", cfg != nil && cfg.Routes[0].StripPath, err)
		}
	})
}
