package proxy_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/proxy"
)

func TestRoutesToUpstream(t *testing.T) {
	t.Parallel()
	up := echoServer(t, "a")
	g := newGateway(t, proxy.Options{}, nil)
	plain := newService(up.URL)
	withPath := newService(up.URL + "/base")
	cfg := &entity.Config{
		Services: []*entity.Service{plain, withPath},
		Routes: []*entity.Route{
			newRoute(plain, []string{"/strip"}),
			newRoute(plain, []string{"/keep"}, func(r *entity.Route) { r.StripPath = false }),
			newRoute(withPath, []string{"/joined"}),
			newRoute(plain, []string{"/host"}, func(r *entity.Route) { r.PreserveHost = true }),
		},
	}
	g.apply(cfg)

	tests := []struct {
		name, path, wantPath, wantHost, wantPrefix string
	}{
		{"strip_path removes the prefix", "/strip/users?x=1", "/users", up.Listener.Addr().String(), "/strip"},
		{"strip_path of the whole path leaves /", "/strip", "/", up.Listener.Addr().String(), "/strip"},
		{"strip_path false keeps the path", "/keep/users", "/keep/users", up.Listener.Addr().String(), ""},
		{"service path is joined", "/joined/users", "/base/users", up.Listener.Addr().String(), "/joined"},
		{"escaped bytes pass through", "/keep/a%2Fb%20c", "/keep/a%2Fb%20c", up.Listener.Addr().String(), ""},
		{"preserve_host sends the client Host", "/host/x", "/x", "api.example.com", "/host"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, body := get(t, g.url()+tt.path, "Host", "api.example.com", "X-Forwarded-For", "10.0.0.1")
			if res.StatusCode != http.StatusOK {
				t.Fatalf("status %d: %s", res.StatusCode, body)
			}
			var e echo
			if err := json.Unmarshal(body, &e); err != nil {
				t.Fatal(err)
			}
			if e.Path != tt.wantPath {
				t.Errorf("upstream path = %q, want %q", e.Path, tt.wantPath)
			}
			if e.Host != tt.wantHost {
				t.Errorf("upstream Host = %q, want %q", e.Host, tt.wantHost)
			}
			if strings.Contains(tt.path, "?") && e.Query != "x=1" {
				t.Errorf("query = %q, want x=1", e.Query)
			}
			h := e.Header
			if got := h.Get("X-Forwarded-For"); got != "10.0.0.1, 127.0.0.1" {
				t.Errorf("X-Forwarded-For = %q", got)
			}
			for k, want := range map[string]string{
				"X-Real-Ip": "127.0.0.1", "X-Forwarded-Proto": "http", "X-Forwarded-Host": "api.example.com",
				"X-Forwarded-Port": itoa(port(t, g.addrs["http"])), "Via": "1.1 gantry",
				"X-Forwarded-Path": strings.SplitN(tt.path, "?", 2)[0],
			} {
				if got := h.Get(k); got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
			if got := h.Get("X-Forwarded-Prefix"); got != tt.wantPrefix {
				t.Errorf("X-Forwarded-Prefix = %q, want %q", got, tt.wantPrefix)
			}
			for _, k := range []string{"X-Gantry-Upstream-Latency", "X-Gantry-Proxy-Latency"} {
				if res.Header.Get(k) == "" {
					t.Errorf("response lacks %s", k)
				}
			}
			if res.Header.Get("Via") != "1.1 gantry" {
				t.Errorf("response Via = %q", res.Header.Get("Via"))
			}
		})
	}
}

func TestForwardedHeadersTrust(t *testing.T) {
	t.Parallel()
	up := echoServer(t, "a")
	tests := []struct {
		name    string
		trusted []string
		want    string
	}{
		{"untrusted client's values are overwritten", nil, "http"},
		{"trusted client's values are kept", []string{"127.0.0.0/8"}, "https"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var opts proxy.Options
			for _, c := range tt.trusted {
				opts.TrustedIPs = append(opts.TrustedIPs, mustPrefix(t, c))
			}
			g := newGateway(t, opts, nil)
			svc := newService(up.URL)
			g.apply(&entity.Config{Services: []*entity.Service{svc}, Routes: []*entity.Route{newRoute(svc, []string{"/"})}})
			_, body := get(t, g.url()+"/x", "X-Forwarded-Proto", "https", "X-Forwarded-Host", "front.example",
				"X-Real-IP", "203.0.113.9")
			var e echo
			if err := json.Unmarshal(body, &e); err != nil {
				t.Fatal(err)
			}
			if got := e.Header.Get("X-Forwarded-Proto"); got != tt.want {
				t.Errorf("X-Forwarded-Proto = %q, want %q", got, tt.want)
			}
			wantHost := "127.0.0.1"
			if tt.trusted != nil {
				wantHost = "front.example"
			}
			if got := e.Header.Get("X-Forwarded-Host"); got != wantHost {
				t.Errorf("X-Forwarded-Host = %q, want %q", got, wantHost)
			}
			wantIP := "127.0.0.1"
			if tt.trusted != nil {
				wantIP = "203.0.113.9"
			}
			if got := e.Header.Get("X-Real-Ip"); got != wantIP {
				t.Errorf("X-Real-IP = %q, want %q", got, wantIP)
			}
			if got := e.Header.Get("X-Forwarded-For"); got != wantIP {
				t.Errorf("X-Forwarded-For = %q, want %q", got, wantIP)
			}
		})
	}
}

func TestGatewayAnswers(t *testing.T) {
	t.Parallel()
	up := echoServer(t, "a")
	g := newGateway(t, proxy.Options{}, nil)
	svc := newService(up.URL)
	off := newService(up.URL, func(s *entity.Service) { s.Enabled = false })
	cfg := &entity.Config{
		Services: []*entity.Service{svc, off},
		Routes: []*entity.Route{
			newRoute(svc, []string{"/ok"}),
			newRoute(off, []string{"/disabled"}),
			newRoute(nil, []string{"/orphan"}),
		},
	}
	g.apply(cfg)
	tests := []struct {
		name, path string
		status     int
		msg        string
	}{
		{"no route", "/nothing", 404, "no Route matched with those values"},
		{"disabled service", "/disabled", 404, "no Route matched with those values"},
		{"route without service", "/orphan", 503, "no Service found with those values"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, body := get(t, g.url()+tt.path)
			wantGatewayError(t, res, body, tt.status, tt.msg)
		})
	}
}

func TestNoSnapshotAnswers404(t *testing.T) {
	t.Parallel()
	g := newGateway(t, proxy.Options{}, nil)
	res, body := get(t, g.url()+"/")
	wantGatewayError(t, res, body, 404, "no Route matched with those values")
}
