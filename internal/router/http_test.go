package router

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/entity"
)

// routingHandler answers "<route name> <upstream path>", or 404, for the
// route rt picks for each request, as built by FromHTTP.
func routingHandler(rt *Router) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req := FromHTTP(r)
		m := rt.Match(&req)
		if m == nil {
			http.Error(w, "no Route matched with those values", http.StatusNotFound)
			return
		}
		fmt.Fprintf(w, "%s %s", m.Route.Name, m.UpstreamPath)
	})
}

// rawGet sends a request line and Host header exactly as given, so the
// client library cannot clean the path, and returns the response body.
func rawGet(t *testing.T, addr, target, host string) string {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", target, host)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

func TestMatchRealHTTPRequests(t *testing.T) {
	t.Parallel()
	svc := entity.NewService()
	svc.ID = "11111111-0000-4000-8000-000000000000"
	svc.Path = "/base"
	ref := func(r *entity.Route) { r.Service = &entity.Ref{ID: svc.ID} }
	srv := httptest.NewUnstartedServer(nil)
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	rt, err := New([]*entity.Route{
		route("api", with(hosts("api.example.com"), paths("/api"), ref)),
		route("on-this-port", with(hosts("port.example.com:"+port), ref)),
		route("elsewhere", with(hosts("port.example.com:1"), ref)),
	}, []*entity.Service{svc})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = routingHandler(rt)
	srv.Start()
	cases := []struct{ name, target, host, want string }{
		{"host with port, dot segments and encoding", "/x/../api/%7Efoo/b%20c", "API.example.com:" + port, "api /base/~foo/b%20c"},
		{"query string", "/api/q?x=/api", "api.example.com", "api /base/q"},
		{"route host port from the listening port", "/p", "port.example.com", "on-this-port /base/p"},
		{"route host port from the Host header", "/p", "port.example.com:1", "elsewhere /base/p"},
		{"no route", "/api", "other.example.com", "no Route matched with those values"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := rawGet(t, srv.Listener.Addr().String(), tc.target, tc.host); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestMatchRealTLSRequests(t *testing.T) {
	t.Parallel()
	https := func(r *entity.Route) { r.Protocols = []string{"https"} }
	older := func(r *entity.Route) { r.CreatedAt-- }
	rt, err := New([]*entity.Route{
		route("other-sni", with(snis("other.test"), paths("/"), https, older)),
		route("example-sni", with(snis("example.com"), paths("/"), https)),
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewTLSServer(routingHandler(rt))
	defer srv.Close()
	for _, tc := range []struct{ sni, want string }{
		{"example.com", "example-sni /x"},
		{"other.test", "other-sni /x"},
		{"nomatch.test", "no Route matched with those values\n"},
	} {
		t.Run(tc.sni, func(t *testing.T) {
			client := srv.Client()
			tr := client.Transport.(*http.Transport).Clone()
			tr.TLSClientConfig.ServerName = tc.sni
			// Only the test certificate's own name (example.com) verifies.
			tr.TLSClientConfig.InsecureSkipVerify = tc.sni != "example.com"
			client = &http.Client{Transport: tr, Timeout: 10 * time.Second}
			defer tr.CloseIdleConnections()
			resp, err := client.Get(srv.URL + "/x")
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if string(b) != tc.want {
				t.Errorf("SNI %s: got %q, want %q", tc.sni, b, tc.want)
			}
		})
	}
}
