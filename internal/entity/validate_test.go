package entity

import (
	"strings"
	"testing"
)

// vcase is one validation case: want is "" for a valid entity, else a
// substring of the rendered errors ("paths[1]: invalid regex").
type vcase struct {
	name string
	e    Entity
	want string
}

func runCases(t *testing.T, cases []vcase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			Normalize(tc.e)
			errs := Validate(tc.e)
			switch {
			case tc.want == "" && len(errs) > 0:
				t.Fatalf("want valid, got %v", errs)
			case tc.want != "" && !strings.Contains(errs.Error(), tc.want):
				t.Fatalf("want error %q, got %q", tc.want, errs.Error())
			}
		})
	}
}

func svc(mod func(*Service)) *Service {
	s := NewService()
	s.Host = "example.com"
	mod(s)
	return s
}

func TestServiceValidate(t *testing.T) {
	runCases(t, []vcase{
		{"minimal", svc(func(*Service) {}), ""},
		{"url expands", svc(func(s *Service) { s.Host = ""; s.URL = "https://api.example.com/v1" }), ""},
		{"bad url", svc(func(s *Service) { s.URL = "api.example.com" }), "url: missing scheme"},
		{"credentials in the url", svc(func(s *Service) { s.Host = ""; s.URL = "https://bob:hunter2@api.example.com/v1" }), "url: url 'https://bob:xxxxx@api.example.com/v1' holds credentials"},
		{"a user in the url", svc(func(s *Service) { s.Host = ""; s.URL = "http://bob@api.example.com" }), "holds credentials (user:password@), which a service cannot keep"},
		{"missing host", svc(func(s *Service) { s.Host = "" }), "host: required field missing"},
		{"bad host", svc(func(s *Service) { s.Host = "a b" }), "host: invalid hostname"},
		{"bad protocol", svc(func(s *Service) { s.Protocol = "ftp" }), "protocol: expected one of: grpc, grpcs, http"},
		{"port too big", svc(func(s *Service) { s.Port = 65536 }), "port: value should be between 0 and 65535"},
		{"retries", svc(func(s *Service) { s.Retries = 40000 }), "retries: value should be between 0 and 32767"},
		{"timeout zero", svc(func(s *Service) { s.ConnectTimeout = 0 }), "connect_timeout: value should be between 1 and 2147483646"},
		{"timeout max ok", svc(func(s *Service) { s.ReadTimeout = 1<<31 - 2 }), ""},
		{"path no slash", svc(func(s *Service) { s.Path = "v1" }), "path: should start with: /"},
		{"path on tcp", svc(func(s *Service) { s.Protocol = "tcp"; s.Path = "/x" }), "path: value must be null"},
		{"bad id", svc(func(s *Service) { s.ID = "nope" }), "id: expected a valid UUID"},
		{"good id", svc(func(s *Service) { s.ID = "9748f662-7711-4a90-8186-dc02f10eb0f5" }), ""},
		{"bad name", svc(func(s *Service) { s.Name = "a b" }), "name: invalid value 'a b'"},
		{"bad tag", svc(func(s *Service) { s.Tags = []string{"ok", "a,b"} }), "tags[1]: invalid tag"},
		{"client cert on http", svc(func(s *Service) { s.ClientCertificate = &Ref{ID: "x"} }), "client_certificate: value must be null"},
		{"ca cert not uuid", svc(func(s *Service) { s.CACertificates = []string{"x"} }), "ca_certificates[0]: expected a valid UUID"},
		{"verify depth", svc(func(s *Service) { d := 100; s.TLSVerifyDepth = &d }), "tls_verify_depth: value should be between 0 and 64"},
	})
}

func TestServiceURLExpansion(t *testing.T) {
	tests := []struct {
		url, proto, host, path string
		port                   int
	}{
		{"http://Example.com", "http", "example.com", "", 80},
		{"https://example.com/v1/", "https", "example.com", "/v1/", 443},
		{"grpc://10.0.0.1:9000", "grpc", "10.0.0.1", "", 9000},
		{"http://[::1]:81/a%20b", "http", "::1", "/a%20b", 81},
	}
	for _, tc := range tests {
		t.Run(tc.url, func(t *testing.T) {
			s := NewService()
			s.URL = tc.url
			s.Normalize()
			if s.URL != "" || s.Protocol != tc.proto || s.Host != tc.host || s.Port != tc.port || s.Path != tc.path {
				t.Fatalf("got url=%q %s %s %d %q", s.URL, s.Protocol, s.Host, s.Port, s.Path)
			}
		})
	}
}

func route(mod func(*Route)) *Route {
	r := NewRoute()
	r.Paths = []string{"/"}
	mod(r)
	return r
}

func TestRouteValidate(t *testing.T) {
	runCases(t, []vcase{
		{"minimal", route(func(*Route) {}), ""},
		{"no matcher", route(func(r *Route) { r.Paths = nil; r.Protocols = []string{"http"} }), "must set one of 'methods', 'hosts', 'headers', 'paths' when 'protocols' is 'http'"},
		{"no matcher https", route(func(r *Route) { r.Paths = nil }), "must set one of 'methods', 'hosts', 'headers', 'paths', 'snis' when 'protocols' is 'https'"},
		{"snis alone on https", route(func(r *Route) { r.Paths = nil; r.SNIs = []string{"a.com"} }), ""},
		{"snis on http only", route(func(r *Route) { r.Protocols = []string{"http"}; r.SNIs = []string{"a.com"} }), "'snis' can only be set when 'protocols' is"},
		{"bad protocol", route(func(r *Route) { r.Protocols = []string{"http", "gopher"} }), "protocols[1]: expected one of"},
		{"no protocols", route(func(r *Route) { r.Protocols = nil }), "protocols: length must be at least 1"},
		{"mixed protocols", route(func(r *Route) { r.Protocols = []string{"http", "tcp"} }), "mutually exclusive"},
		{"lower method", route(func(r *Route) { r.Methods = []string{"GET", "post"} }), "methods[1]: invalid value: post"},
		{"path no slash", route(func(r *Route) { r.Paths = []string{"/a", "b"} }), "paths[1]: should start with: / (fixed path) or ~/ (regex path)"},
		{"path empty segment", route(func(r *Route) { r.Paths = []string{"/a//b"} }), "paths[0]: must not have empty segments"},
		{"regex ok", route(func(r *Route) { r.Paths = []string{`~/users/\d+$`} }), ""},
		{"regex pcre named group", route(func(r *Route) { r.Paths = []string{`~/users/(?<id>\d+)$`} }), ""},
		{"regex invalid", route(func(r *Route) { r.Paths = []string{"/ok", "~/a(b"} }), "paths[1]: invalid regex: '/a(b' (missing closing ): `/a(b`)"},
		{"regex lookbehind", route(func(r *Route) { r.Paths = []string{"~/(?<=a)b"} }), "paths[0]: invalid regex"},
		{"host ok", route(func(r *Route) { r.Hosts = []string{"Example.COM", "*.example.com", "example.*", "a.b:8080"} }), ""},
		{"host wildcard middle", route(func(r *Route) { r.Hosts = []string{"a.*.com"} }), "hosts[0]: invalid wildcard: must be placed at leftmost or rightmost label"},
		{"host two wildcards", route(func(r *Route) { r.Hosts = []string{"*.a.*"} }), "hosts[0]: invalid wildcard: must have at most one wildcard"},
		{"host bad port", route(func(r *Route) { r.Hosts = []string{"a.com:99999"} }), "hosts[0]: invalid port number"},
		{"host bad chars", route(func(r *Route) { r.Hosts = []string{"a b.com"} }), "hosts[0]: invalid hostname"},
		{"header host", route(func(r *Route) { r.Headers = map[string][]string{"Host": {"a"}} }), "headers.host: cannot contain 'host' header"},
		{"header ok", route(func(r *Route) { r.Paths = nil; r.Headers = map[string][]string{"X-Version": {"1"}} }), ""},
		{"header regex ok", route(func(r *Route) { r.Headers = map[string][]string{"x-v": {"~*^v[0-9]+$"}} }), ""},
		{"header regex bad", route(func(r *Route) { r.Headers = map[string][]string{"x-v": {"a", "~*v(["}} }), "headers.x-v[1]: invalid regex"},
		{"redirect code", route(func(r *Route) { r.HTTPSRedirectStatusCode = 303 }), "https_redirect_status_code: expected one of: 426, 301, 302, 307, 308"},
		{"path handling", route(func(r *Route) { r.PathHandling = "v2" }), "path_handling: expected one of: v0, v1"},
		{"tcp needs source", route(func(r *Route) { r.Protocols = []string{"tcp"}; r.Paths = nil }), "must set one of 'sources', 'destinations', 'snis'"},
		{"tcp with source", route(func(r *Route) {
			r.Protocols = []string{"tcp"}
			r.Paths = nil
			r.Sources = []CIDRPort{{IP: "10.0.0.0/8"}}
		}), ""},
		{"tcp with paths", route(func(r *Route) { r.Protocols = []string{"tcp"}; r.Sources = []CIDRPort{{Port: 1}} }), "paths: cannot set 'paths'"},
		{"bad cidr", route(func(r *Route) { r.Protocols = []string{"tcp"}; r.Paths = nil; r.Sources = []CIDRPort{{IP: "10.0.0/8"}} }), "sources[0].ip: invalid cidr range"},
		{"grpc ok", route(func(r *Route) { r.Protocols = []string{"grpc"}; r.StripPath = false }), ""},
		{"grpc with strip_path", route(func(r *Route) { r.Protocols = []string{"grpcs"} }), "strip_path: cannot set 'strip_path' when 'protocols' is 'grpc' or 'grpcs'"},
		{"grpc with methods", route(func(r *Route) { r.Protocols = []string{"grpc", "grpcs"}; r.Methods = []string{"POST"} }), "methods: cannot set 'methods' when 'protocols' is 'grpc' or 'grpcs'"},
		{"grpc no matcher", route(func(r *Route) { r.Protocols = []string{"grpc"}; r.Paths = nil }), "must set one of 'hosts', 'headers', 'paths' when 'protocols' is 'grpc'"},
		{"service ref empty", route(func(r *Route) { r.Service = &Ref{} }), "service.id: required field missing"},
	})
}

func TestRouteNormalize(t *testing.T) {
	r := route(func(r *Route) {
		r.Hosts = []string{" Example.COM "}
		r.Headers = map[string][]string{"X-A": {"1"}}
		r.Methods = []string{}
	})
	r.Normalize()
	if r.Hosts[0] != "example.com" || r.Headers["x-a"] == nil || r.Methods != nil {
		t.Fatalf("got hosts=%q headers=%v methods=%#v", r.Hosts, r.Headers, r.Methods)
	}
}

func TestCompileRegexPathNamedGroup(t *testing.T) {
	re, err := CompileRegexPath(`~/users/(?<id>\d+)/\(?<x`)
	if err != nil {
		t.Fatal(err)
	}
	m := re.FindStringSubmatch("/users/42/(<x")
	if m == nil || m[re.SubexpIndex("id")] != "42" {
		t.Fatalf("named group not captured: %v", m)
	}
}
