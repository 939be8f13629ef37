package router

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/gantryhq/gantry/internal/entity"
)

func methods(m ...string) func(*entity.Route) {
	return func(r *entity.Route) { r.Methods = m }
}

func headers(kv ...string) func(*entity.Route) {
	return func(r *entity.Route) {
		r.Headers = map[string][]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			r.Headers[kv[i]] = append(r.Headers[kv[i]], kv[i+1])
		}
	}
}

func snis(s ...string) func(*entity.Route) {
	return func(r *entity.Route) { r.SNIs = s; r.Protocols = []string{"https"} }
}

func hdr(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Add(kv[i], kv[i+1])
	}
	return h
}

func TestMatchMethodsHeadersSNIs(t *testing.T) {
	t.Parallel()
	get := route("get", methods("GET", "HEAD"))
	version := route("version", headers("X-Version", "v1", "X-Version", "v2"))
	regexHdr := route("regex-header", headers("x-agent", "~*^curl/"))
	sni := route("sni", snis("api.example.com"))
	runMatchCases(t, []matchCase{
		{name: "method", routes: []*entity.Route{get}, req: Request{Method: "HEAD"}, want: "get"},
		{name: "other method", routes: []*entity.Route{get}, req: Request{Method: "POST"}, want: ""},
		{name: "method is case-sensitive", routes: []*entity.Route{get}, req: Request{Method: "get"}, want: ""},
		{name: "header value", routes: []*entity.Route{version}, req: Request{Headers: hdr("X-Version", "v2")}, want: "version"},
		{name: "header value is case-insensitive", routes: []*entity.Route{version}, req: Request{Headers: hdr("x-version", "V1")}, want: "version"},
		{name: "any of several request values", routes: []*entity.Route{version}, req: Request{Headers: hdr("X-Version", "v9", "X-Version", "v1")}, want: "version"},
		{name: "header value mismatch", routes: []*entity.Route{version}, req: Request{Headers: hdr("X-Version", "v3")}, want: ""},
		{name: "header missing", routes: []*entity.Route{version}, req: Request{}, want: ""},
		{name: "header name with underscore", routes: []*entity.Route{route("under", headers("x_tenant", "a"))}, req: Request{Headers: hdr("X-Tenant", "a")}, want: "under"},
		{name: "all header names required", routes: []*entity.Route{route("two", headers("a", "1", "b", "2"))}, req: Request{Headers: hdr("a", "1")}, want: ""},
		{name: "regex header value", routes: []*entity.Route{regexHdr}, req: Request{Headers: hdr("X-Agent", "CURL/8.1")}, want: "regex-header"},
		{name: "regex header mismatch", routes: []*entity.Route{regexHdr}, req: Request{Headers: hdr("X-Agent", "wget curl/")}, want: ""},
		{name: "regex header value is searched, not anchored", routes: []*entity.Route{route("search", headers("x-a", "~*beta"))}, req: Request{Headers: hdr("X-A", "v2-BETA-1")}, want: "search"},
		{name: "sni on TLS request", routes: []*entity.Route{sni}, req: Request{SNI: "api.example.com"}, want: "sni"},
		{name: "sni mismatch on TLS request", routes: []*entity.Route{sni}, req: Request{SNI: "other.com"}, want: ""},
		{name: "TLS request without SNI", routes: []*entity.Route{sni}, req: Request{TLS: true}, want: ""},
		{name: "sni ignored on plain text", routes: []*entity.Route{sni}, req: Request{}, want: "sni"},
		{name: "sni trailing dot ignored", routes: []*entity.Route{route("dot", snis("api.example.com."))}, req: Request{SNI: "api.example.com"}, want: "dot"},
	})
}

func TestMatchPriority(t *testing.T) {
	t.Parallel()
	runMatchCases(t, []matchCase{
		{name: "more attributes win", routes: []*entity.Route{
			route("path", paths("/a")),
			route("path+method", with(paths("/a"), methods("GET"))),
		}, req: Request{Path: "/a/b"}, want: "path+method"},
		{name: "attribute count beats path length", routes: []*entity.Route{
			route("long", paths("/a/b/c/d")),
			route("short+method", with(paths("/a"), methods("GET"))),
		}, req: Request{Path: "/a/b/c/d"}, want: "short+method"},
		{name: "attribute count beats plain host", routes: []*entity.Route{
			route("plain", hosts("a.com")),
			route("wild+path", with(hosts("*.com"), paths("/"))),
		}, req: Request{Host: "a.com"}, want: "wild+path"},
		{name: "plain host beats more headers", routes: []*entity.Route{
			route("wild+2h", with(hosts("*.com"), headers("a", "1", "b", "2"))),
			route("plain+1h", with(hosts("a.com"), headers("a", "1"))),
		}, req: Request{Host: "a.com", Headers: hdr("a", "1", "b", "2")}, want: "plain+1h"},
		{name: "more headers beat regex", routes: []*entity.Route{
			route("regex+1h", with(paths(`~/a`), headers("a", "1"))),
			route("prefix+1h", with(paths("/a"), headers("b", "2"))),
			route("2h", with(headers("a", "1", "b", "2"), methods("GET"))),
		}, req: Request{Path: "/a", Headers: hdr("a", "1", "b", "2")}, want: "2h"},
		{name: "host+path beats sni alone on TLS", routes: []*entity.Route{
			route("sni", snis("a.com")),
			route("host+path", with(hosts("a.com"), paths("/"))),
		}, req: Request{Host: "a.com", SNI: "a.com"}, want: "host+path"},
		{name: "sni counts as an attribute", routes: []*entity.Route{
			route("host", hosts("a.com")),
			route("host+sni", with(hosts("a.com"), snis("a.com"))),
		}, req: Request{Host: "a.com", SNI: "a.com"}, want: "host+sni"},
	})
}

func TestProtocols(t *testing.T) {
	t.Parallel()
	proto := func(p ...string) func(*entity.Route) { return func(r *entity.Route) { r.Protocols = p } }
	runMatchCases(t, []matchCase{
		{name: "https-only route still matches plain http", routes: []*entity.Route{route("https", with(paths("/"), proto("https")))}, req: Request{}, want: "https"},
		{name: "grpc route", routes: []*entity.Route{route("grpc", with(paths("/"), proto("grpc")))}, req: Request{}, want: "grpc"},
		{name: "no protocols means http and https", routes: []*entity.Route{route("none", with(paths("/"), proto()))}, req: Request{}, want: "none"},
		{name: "ws route", routes: []*entity.Route{route("ws", with(paths("/"), proto("ws", "wss")))}, req: Request{}, want: "ws"},
		{name: "stream route left out", routes: []*entity.Route{route("tcp", func(r *entity.Route) {
			r.Protocols = []string{"tcp"}
			r.Destinations = []entity.CIDRPort{{Port: 80}}
		})}, req: Request{}, want: ""},
	})
}

func TestNewErrors(t *testing.T) {
	t.Parallel()
	svc := entity.NewService()
	svc.ID = "11111111-0000-4000-8000-000000000000"
	cases := []struct {
		name   string
		routes []*entity.Route
		want   string
	}{
		{"missing service", []*entity.Route{route("orphan", with(paths("/"), func(r *entity.Route) {
			r.Service = &entity.Ref{ID: "22222222-0000-4000-8000-000000000000"}
		}))}, "22222222-0000-4000-8000-000000000000 does not exist"},
		{"nil route", []*entity.Route{nil}, "routes[0] is nil"},
		{"route matching nothing", []*entity.Route{route("empty", nil)}, `"empty"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := New(tc.routes, []*entity.Service{svc})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("New error = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestMatchReturnsService(t *testing.T) {
	t.Parallel()
	svc := entity.NewService()
	svc.ID = "11111111-0000-4000-8000-000000000000"
	r, err := New([]*entity.Route{route("r", with(paths("/"), func(r *entity.Route) {
		r.Service = &entity.Ref{ID: svc.ID}
	}))}, []*entity.Service{svc})
	if err != nil {
		t.Fatal(err)
	}
	m := r.Match(&Request{Method: "GET", Path: "/x"})
	if m == nil || m.Service != svc {
		t.Fatalf("match = %+v, want the route's service", m)
	}
	var nilRouter *Router
	if nilRouter.Match(&Request{Path: "/"}) != nil || r.Match(nil) != nil {
		t.Fatal("nil router or request must not match")
	}
}

// TestMatchHeaderIndex covers a crowded path whose routes are told apart by
// header values, which the router indexes by value.
func TestMatchHeaderIndex(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("Long", 40)
	rs := []*entity.Route{
		route("plain", paths("/t")),
		route("regex", with(paths("/t"), headers("x-tenant", "~*^zz"))),
		route("two-headers", with(paths("/t"), headers("x-tenant", "7", "x-mode", "beta"))),
		route("long", with(paths("/t"), headers("x-tenant", long))),
	}
	for i := range 20 {
		rs = append(rs, route(fmt.Sprint("tenant-", i), with(paths("/t"), headers("X-Tenant", fmt.Sprint("T", i)))))
	}
	rt, err := New(rs, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rt.anyHost.children[0].hdr == nil {
		t.Fatal("the crowded /t node has no header index")
	}
	cases := []struct {
		name string
		h    http.Header
		want string
	}{
		{"indexed value", hdr("X-Tenant", "t13"), "tenant-13"},
		{"indexed value upper case", hdr("X-Tenant", "T13"), "tenant-13"},
		{"second request value", hdr("X-Tenant", "nope", "X-Tenant", "t4"), "tenant-4"},
		{"unknown value falls back", hdr("X-Tenant", "t99"), "plain"},
		{"regex route outside the index", hdr("X-Tenant", "ZZtop"), "regex"},
		{"more headers win", hdr("X-Tenant", "7", "X-Mode", "BETA"), "two-headers"},
		{"value longer than the lookup buffer", hdr("X-Tenant", strings.ToUpper(long)), "long"},
		{"no header", nil, "plain"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := rt.Match(&Request{Method: "GET", Path: "/t", Headers: tc.h})
			if m == nil || m.Route.Name != tc.want {
				t.Fatalf("matched %+v, want %s", m, tc.want)
			}
		})
	}
}
