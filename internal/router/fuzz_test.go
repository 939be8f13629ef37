package router

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/gantryhq/gantry/internal/entity"
)

// fuzzRoutes is a mix of every kind of matcher, so the indexes (exact and
// wildcard host maps, path trie, regex literal starts) all get exercised.
func fuzzRoutes() []*entity.Route {
	return []*entity.Route{
		route("root", paths("/")),
		route("api", with(hosts("api.example.com"), paths("/v1", "/v2/"))),
		route("api-port", with(hosts("api.example.com:8080"), paths("/v1"))),
		route("wild-suffix", with(hosts("*.example.com"), methods("GET", "POST"))),
		route("wild-prefix", with(hosts("example.*"), paths("/a"))),
		route("odd-wild", with(hosts("*ample.org", "exam*:8000"), paths("/o"))),
		route("users", with(paths(`~/users/(?<id>\d+)$`, "/users"), func(r *entity.Route) { r.RegexPriority = 3 })),
		route("files", paths(`~/files/(.*)\.(png|jpg)`)),
		route("any-regex", paths(`~.*admin`)),
		route("hdr", with(headers("x-version", "v1", "x-mode", "~*^be"), paths("/h"))),
		route("sni", with(snis("secure.example.com"), paths("/s"))),
		route("methods-only", methods("DELETE")),
		route("v1-handling", with(paths("/old"), func(r *entity.Route) { r.PathHandling = "v1"; r.StripPath = false })),
		// Enough routes on one path for its trie node to get a header index.
		route("tenant-a", with(headers("x-tenant", "a", "x-tenant", "A2"), paths("/t"))),
		route("tenant-b", with(headers("x-tenant", "b"), paths("/t"))),
		route("tenant-b-beta", with(headers("x-tenant", "b", "x-mode", "beta"), paths("/t"))),
		route("tenant-regex", with(headers("x-tenant", "~*^c"), paths("/t"))),
		route("mode-only", with(headers("x-mode", "alpha"), paths("/t"))),
		route("tenant-d", with(headers("x-tenant", "d"), paths("/t"), methods("POST"))),
		route("tenant-e", with(headers("x-tenant", "e"), paths("/t"))),
		route("t-plain", paths("/t")),
		route("tenant-f", with(headers("x-tenant", "f"), paths("/t"))),
	}
}

// naiveMatch is the reference: every matcher in rank order, each checked in
// full without any index.
func naiveMatch(r *Router, req *Request) *matcher {
	host, port := splitHostPort(lowerASCII(req.Host))
	if port == 0 {
		port = req.DstPort
	}
	path := NormalizePath(req.Path)
	tls := req.TLS || req.SNI != ""
	for _, m := range r.sorted {
		if len(m.hosts) > 0 && !hostsAccept(m.hosts, host, port) {
			continue
		}
		if len(m.methods) > 0 && !contains(m.methods, req.Method) {
			continue
		}
		if len(m.snis) > 0 && tls && !containsFold(m.snis, strings.TrimSuffix(req.SNI, ".")) {
			continue
		}
		ok := true
		for _, h := range m.headers {
			ok = ok && h.accepts(req.Headers[h.name])
		}
		if !ok || !pathAccepts(m, path) {
			continue
		}
		return m
	}
	return nil
}

func hostsAccept(hs []routeHost, host string, port int) bool {
	for _, h := range hs {
		if h.port != 0 && h.port != port {
			continue
		}
		switch {
		case h.kind == hostExact && host == h.key,
			h.kind == hostSuffix && strings.HasSuffix(host, h.key),
			h.kind == hostPrefix && strings.HasPrefix(host, h.key):
			return true
		}
	}
	return false
}

func pathAccepts(m *matcher, path string) bool {
	if len(m.prefixes)+len(m.regexes) == 0 {
		return true
	}
	for _, p := range m.prefixes {
		if strings.HasPrefix(path, p) {
			return true
		}
	}
	for _, re := range m.regexes {
		if re.MatchString(path) {
			return true
		}
	}
	return false
}

func FuzzMatch(f *testing.F) {
	seeds := []struct{ method, host, path, sni, header string }{
		{"GET", "", "/t/x", "", "BETA"},
		{"POST", "", "/t", "", "alpha"},
		{"GET", "api.example.com", "/v1/users", "", ""},
		{"GET", "api.example.com:8080", "/v1", "", ""},
		{"POST", "www.Example.com", "/x", "", ""},
		{"GET", "example.org", "/a/../a/b", "", ""},
		{"GET", "", "/users/42", "", ""},
		{"GET", "", "/files/a/b.png", "", ""},
		{"GET", "", "/x/%2e%2e/admin", "", ""},
		{"GET", "", "/h", "", "BETA"},
		{"GET", "secure.example.com", "/s", "secure.example.com", ""},
		{"DELETE", "[::1]:80", "//a//b?q", "", ""},
		{"GET", "x", "/%zz%2F%7e", "x.", ""},
		{"GET", "", "/old/p%20q", "", ""},
	}
	for _, s := range seeds {
		f.Add(s.method, s.host, s.path, s.sni, s.header)
	}
	r, err := New(fuzzRoutes(), nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, method, host, path, sni, header string) {
		req := &Request{
			Method: method, Host: host, Path: path, SNI: sni, DstPort: 8000,
			Headers: http.Header{"X-Version": {"v1"}, "X-Mode": {header}},
		}
		if len(header) > 0 {
			// Reuse the input as tenant too: its first byte picks one.
			req.Headers["X-Tenant"] = []string{header[:1], header}
		}
		m := r.Match(req)
		want := naiveMatch(r, req)
		switch {
		case m == nil && want == nil:
			return
		case m == nil:
			t.Fatalf("no match, reference matched %q", want.route.Name)
		case want == nil || m.Route != want.route:
			t.Fatalf("matched %q, reference says %+v", m.Route.Name, want)
		}
		h, port := splitHostPort(lowerASCII(host))
		if port == 0 {
			port = req.DstPort
		}
		if len(want.hosts) > 0 && !hostsAccept(want.hosts, h, port) {
			t.Fatalf("route %q matched host %q it does not accept", m.Route.Name, host)
		}
		if len(m.Route.Methods) > 0 && !contains(m.Route.Methods, method) {
			t.Fatalf("route %q matched method %q it does not accept", m.Route.Name, method)
		}
		if !strings.HasPrefix(m.UpstreamPath, "/") {
			t.Fatalf("upstream path %q does not start with /", m.UpstreamPath)
		}
		if escapePath(m.UpstreamPath) != m.UpstreamPath {
			t.Fatalf("upstream path %q is not escaped", m.UpstreamPath)
		}
		if again := r.Match(req); again.Route != m.Route || again.UpstreamPath != m.UpstreamPath {
			t.Fatalf("matching twice gave %q then %q", m.UpstreamPath, again.UpstreamPath)
		}
	})
}

// TestMatchAgreesWithReference checks the indexed search against the naive
// one on the 10,000-route config, from several goroutines at once since a
// Router is shared by every request.
func TestMatchAgreesWithReference(t *testing.T) {
	t.Parallel()
	rs, ss := routes10k()
	r, err := New(rs, ss)
	if err != nil {
		t.Fatal(err)
	}
	var reqs []Request
	for i := 0; i < 6100; i += 61 {
		reqs = append(reqs,
			Request{Method: "GET", Host: fmt.Sprintf("svc%d.example.com", i), Path: fmt.Sprintf("/v1/%d/x", i)},
			Request{Method: "GET", Host: fmt.Sprintf("svc%d.example.com", i), Path: "/v2/y"},
			Request{Method: "GET", Host: fmt.Sprintf("x.w%d.example.com", i%600), Path: fmt.Sprintf("/p%d/", i%2100)},
			Request{Method: "GET", Path: fmt.Sprintf("/r%d/%d", i%1100, i)},
			Request{Method: "GET", Path: "/t", Headers: http.Header{"X-Tenant": {fmt.Sprint(i % 600)}}},
		)
	}
	var wg sync.WaitGroup
	errs := make(chan string, len(reqs))
	for w := range 4 {
		wg.Go(func() {
			for i := w; i < len(reqs); i += 4 {
				req := &reqs[i]
				got, want := r.Match(req), naiveMatch(r, req)
				if (got == nil) != (want == nil) || (got != nil && got.Route != want.route) {
					errs <- fmt.Sprintf("%+v: got %+v, reference %+v", *req, got, want)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}
