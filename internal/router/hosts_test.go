package router

import (
	"testing"

	"github.com/gantryhq/gantry/internal/entity"
)

func TestMatchHosts(t *testing.T) {
	t.Parallel()
	exact := route("exact", hosts("api.example.com"))
	suffix := route("suffix", hosts("*.example.com"))
	prefix := route("prefix", hosts("api.*"))
	port := route("port", hosts("api.example.com:8080"))
	all := []*entity.Route{exact, suffix, prefix}
	runMatchCases(t, []matchCase{
		{name: "exact host", routes: all, req: Request{Host: "api.example.com"}, want: "exact"},
		{name: "exact host is case-insensitive", routes: all, req: Request{Host: "API.Example.COM"}, want: "exact"},
		{name: "port in Host header is ignored by a port-less route host", routes: all, req: Request{Host: "api.example.com:8000"}, want: "exact"},
		{name: "suffix wildcard", routes: all, req: Request{Host: "www.example.com"}, want: "suffix"},
		{name: "suffix wildcard spans several labels", routes: all, req: Request{Host: "a.b.example.com"}, want: "suffix"},
		{name: "suffix wildcard needs the dot", routes: all, req: Request{Host: "example.com"}, want: ""},
		{name: "suffix wildcard is case-insensitive", routes: all, req: Request{Host: "WWW.EXAMPLE.COM"}, want: "suffix"},
		{name: "prefix wildcard", routes: all, req: Request{Host: "api.example.org"}, want: "prefix"},
		{name: "prefix wildcard any tld", routes: all, req: Request{Host: "api.co.uk"}, want: "prefix"},
		{name: "prefix wildcard needs the dot", routes: all, req: Request{Host: "apiexample.org"}, want: ""},
		{name: "unknown host", routes: all, req: Request{Host: "other.org"}, want: ""},
		{name: "no host header", routes: all, req: Request{}, want: ""},
		{name: "exact beats wildcards", routes: []*entity.Route{suffix, prefix, exact}, req: Request{Host: "api.example.com"}, want: "exact"},
		{name: "wildcards tie, older route first", routes: []*entity.Route{
			route("suffix-new", with(hosts("*.example.com"), func(r *entity.Route) { r.CreatedAt = 2 })),
			route("prefix-old", with(hosts("api.*"), func(r *entity.Route) { r.CreatedAt = 1 })),
		}, req: Request{Host: "api.example.com"}, want: "prefix-old"},
		{name: "mixed plain and wildcard hosts rank as wildcard", routes: []*entity.Route{
			route("mixed", hosts("api.example.com", "*.other.com")),
			route("plain", hosts("api.example.com")),
		}, req: Request{Host: "api.example.com"}, want: "plain"},
		{name: "host port matches Host header port", routes: []*entity.Route{port}, req: Request{Host: "api.example.com:8080"}, want: "port"},
		{name: "host port rejects another port", routes: []*entity.Route{port}, req: Request{Host: "api.example.com:8081"}, want: ""},
		{name: "host port falls back to the listening port", routes: []*entity.Route{port}, req: Request{Host: "api.example.com", DstPort: 8080}, want: "port"},
		{name: "host port rejects a port-less request elsewhere", routes: []*entity.Route{port}, req: Request{Host: "api.example.com", DstPort: 80}, want: ""},
		{name: "wildcard host with port", routes: []*entity.Route{route("wport", hosts("*.example.com:8443"))}, req: Request{Host: "x.example.com:8443"}, want: "wport"},
		{name: "one route, several hosts", routes: []*entity.Route{route("multi", hosts("a.com", "b.com:81"))}, req: Request{Host: "b.com:81"}, want: "multi"},
		{name: "ipv6 host with port", routes: []*entity.Route{route("v6", hosts("[::1]:8080"))}, req: Request{Host: "[::1]:8080"}, want: "v6"},
		{name: "ipv6 host without port", routes: []*entity.Route{route("v6", hosts("[::1]"))}, req: Request{Host: "[::1]:9000"}, want: "v6"},
		{name: "wildcard without a dot is a plain suffix", routes: []*entity.Route{route("odd", hosts("*ample.com"))}, req: Request{Host: "example.com"}, want: "odd"},
		{name: "same-length wildcard keys with different edges, dot", routes: []*entity.Route{
			route("dot", hosts("*.ab.com")), route("nodot", hosts("*xab.com")),
		}, req: Request{Host: "w.ab.com"}, want: "dot"},
		{name: "same-length wildcard keys with different edges, no dot", routes: []*entity.Route{
			route("dot", hosts("*.ab.com")), route("nodot", hosts("*xab.com")),
		}, req: Request{Host: "wxab.com"}, want: "nodot"},
		{name: "prefix wildcard without a dot", routes: []*entity.Route{route("pre", hosts("exam*"))}, req: Request{Host: "example.net"}, want: "pre"},
		{name: "host-less route catches other hosts", routes: []*entity.Route{exact, route("any", paths("/"))}, req: Request{Host: "zzz.org"}, want: "any"},
		{name: "host route beats host-less route", routes: []*entity.Route{route("any", paths("/")), exact}, req: Request{Host: "api.example.com"}, want: "exact"},
	})
}

func TestSplitHostPort(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in   string
		host string
		port int
	}{
		{"example.com", "example.com", 0},
		{"example.com:8080", "example.com", 8080},
		{"example.*:81", "example.*", 81},
		{"example.com:abc", "example.com:abc", 0},
		{"example.com:0", "example.com:0", 0},
		{"example.com:70000", "example.com:70000", 0},
		{"[::1]", "[::1]", 0},
		{"[::1]:443", "[::1]", 443},
		{"::1", "::1", 0},
		{"", "", 0},
		{":80", "", 80},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			h, p := splitHostPort(tc.in)
			if h != tc.host || p != tc.port {
				t.Errorf("splitHostPort(%q) = %q, %d; want %q, %d", tc.in, h, p, tc.host, tc.port)
			}
		})
	}
}
