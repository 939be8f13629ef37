package proxy_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/textproto"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/proxy"
)

// TestFastPathMatchesReverseProxy sends the same request through a
// gateway on the fast path and one with DisableFastPath (the
// httputil.ReverseProxy and http.Transport path), to an upstream that
// records the raw bytes it receives and answers with raw bytes: the
// upstream must receive the same request, and the client the same
// answer, from both.
func TestFastPathMatchesReverseProxy(t *testing.T) {
	t.Parallel()
	const okReply = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok"
	tests := []struct {
		name   string
		method string
		target string
		header []string // name, value pairs
		route  func(*entity.Route)
		reply  string
		check  func(t *testing.T, got clientView)
	}{
		{name: "GET", reply: okReply},
		{name: "HEAD", method: http.MethodHead, reply: "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n"},
		{name: "PUT without body", method: http.MethodPut, reply: okReply},
		{name: "DELETE", method: http.MethodDelete, reply: okReply},
		{name: "OPTIONS", method: http.MethodOptions, reply: okReply},
		{name: "hop-by-hop and Connection-listed fields", header: []string{
			"Connection", "X-Foo, x-bar", "X-Foo", "1", "X-Bar", "2", "Keep-Alive", "timeout=5",
			"Proxy-Authorization", "Basic eA==", "Proxy-Connection", "keep-alive", "Te", "trailers, deflate",
		}, reply: okReply},
		{name: "client forwarding fields", header: []string{
			"X-Forwarded-For", "192.0.2.1", "Forwarded", "for=192.0.2.1", "X-Forwarded-Host", "evil.example",
			"X-Forwarded-Proto", "https", "X-Forwarded-Port", "1", "X-Forwarded-Prefix", "/evil",
			"X-Real-Ip", "192.0.2.9", "Via", "1.0 other",
		}, reply: okReply},
		{name: "repeated field and empty User-Agent", header: []string{"X-Multi", "a", "X-Multi", "b", "User-Agent", ""}, reply: okReply},
		{name: "escaped path and unparsable query", target: "/api/a%2Fb/c%20d?x=1;y=2&z=%zz", reply: okReply},
		{name: "strip_path prefix", target: "/api/users", route: func(r *entity.Route) { r.Paths = []string{"/api"} }, reply: okReply},
		{name: "preserve_host", route: func(r *entity.Route) { r.PreserveHost = true }, reply: okReply},
		{name: "chunked with extension and trailer", reply: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-T\r\n\r\n" +
			"5;ext=1\r\nhello\r\n0\r\nX-T: v\r\n\r\n"},
		{name: "Content-Length and chunked", reply: "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"},
		{name: "no length, read to close", reply: "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil close"},
		{name: "HTTP/1.0 no length", reply: "HTTP/1.0 200 OK\r\n\r\nold", check: noType},
		{name: "no Content-Type", reply: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n<html", check: noType},
		{name: "204 ignores a length", reply: "HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n"},
		{name: "304 ignores a length", reply: "HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n"},
		{name: "103 before 200", reply: "HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n" + okReply},
		{name: "ten 1xx", reply: strings.Repeat("HTTP/1.1 103 Early Hints\r\n\r\n", 10) + okReply, check: func(t *testing.T, got clientView) {
			if got.Infos != 10 || got.Status != http.StatusOK {
				t.Errorf("client got %d informational answers then %d, want 10 then 200", got.Infos, got.Status)
			}
		}},
		{name: "same Content-Length twice", reply: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok"},
		{name: "two Content-Lengths", reply: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok", check: badGateway},
		{name: "negative Content-Length", reply: "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\nok", check: badGateway},
		{name: "Content-Length not a number", reply: "HTTP/1.1 200 OK\r\nContent-Length: 2x\r\n\r\nok", check: badGateway},
		{name: "gzip, chunked", reply: "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", check: badGateway},
		{name: "garbage status line", reply: "HTTP/1.1 two hundred\r\n\r\n", check: badGateway},
		{name: "status 000", reply: "HTTP/1.1 000 Zero\r\nContent-Length: 2\r\n\r\nok", check: badGateway},
		{name: "status 099", reply: "HTTP/1.1 099 Low\r\n\r\n", check: badGateway},
		{name: "status 999", reply: "HTTP/1.1 999 High\r\nContent-Length: 2\r\n\r\nok"},
		{name: "not HTTP", reply: "SSH-2.0-OpenSSH_9.6\r\n", check: badGateway},
		{name: "unasked 101", reply: "HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: Upgrade\r\n\r\n", check: badGateway},
		{name: "response hop-by-hop fields", reply: "HTTP/1.1 200 OK\r\nConnection: X-Bar\r\nX-Bar: 1\r\nKeep-Alive: timeout=5\r\n" +
			"Proxy-Authenticate: Basic\r\nUpgrade: x\r\nContent-Length: 2\r\n\r\nok"},
		{name: "bare LF line ends", reply: "HTTP/1.1 200 OK\nContent-Length: 2\n\nok"},
		{name: "folded field", reply: "HTTP/1.1 200 OK\r\nX-A: a\r\n b\r\nContent-Length: 2\r\n\r\nok"},
		{name: "body cut short", reply: "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nok"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var sent [2]string
			var got [2]clientView
			addr, received := recordingUpstream(t, tt.reply)
			for i, opts := range []proxy.Options{{}, {DisableFastPath: true}} {
				g := newGateway(t, opts, nil)
				svc := newService("http://"+addr, func(s *entity.Service) { s.Retries, s.ReadTimeout = 0, 2000 })
				route := newRoute(svc, []string{"/"}, func(r *entity.Route) { r.StripPath = true })
				if tt.route != nil {
					tt.route(route)
				}
				g.apply(&entity.Config{Services: []*entity.Service{svc}, Routes: []*entity.Route{route}})
				method, target := tt.method, tt.target
				if method == "" {
					method = http.MethodGet
				}
				if target == "" {
					target = "/x"
				}
				req, err := http.NewRequest(method, g.url()+target, nil)
				if err != nil {
					t.Fatal(err)
				}
				req.Host = "api.example"
				for j := 0; j+1 < len(tt.header); j += 2 {
					req.Header.Add(tt.header[j], tt.header[j+1])
				}
				got[i] = view(req)
				if reqs := received(); len(reqs) == i+1 {
					sent[i] = normalizeRequest(reqs[i], port(t, g.addrs["http"]))
				} else {
					t.Fatalf("upstream received %d requests after %d, want one each", len(reqs), i+1)
				}
			}
			if sent[0] != sent[1] {
				t.Errorf("upstream received\nfast path: %q\nReverseProxy: %q", sent[0], sent[1])
			}
			if !got[0].equal(got[1]) {
				t.Errorf("client got\nfast path: %+v\nReverseProxy: %+v", got[0], got[1])
			}
			if tt.check != nil {
				tt.check(t, got[0])
				tt.check(t, got[1])
			}
		})
	}
}

// noType: the client gets no Content-Type when the upstream sent none
// (net/http would sniff one from the body).
func noType(t *testing.T, got clientView) {
	t.Helper()
	if v, ok := got.Header["Content-Type"]; ok {
		t.Errorf("client got Content-Type %q, want none, as the upstream sent", v)
	}
}

// badGateway: the client gets Kong's 502 for an answer that is not HTTP.
func badGateway(t *testing.T, got clientView) {
	t.Helper()
	if got.Err || got.Status != http.StatusBadGateway {
		t.Errorf("client got status %d (error %t), want 502", got.Status, got.Err)
	}
}

// clientView is what a client sees of an answer, without what differs
// between any two answers (Date, Gantry's latency headers).
type clientView struct {
	Status  int
	Header  http.Header
	Body    string
	Trailer http.Header
	Infos   int // informational (1xx) answers before the status
	Err     bool
}

func (a clientView) equal(b clientView) bool {
	return a.Status == b.Status && a.Body == b.Body && a.Err == b.Err && a.Infos == b.Infos &&
		headersEqual(a.Header, b.Header) && headersEqual(a.Trailer, b.Trailer)
}

func headersEqual(a, b http.Header) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !slices.Equal(v, b[k]) {
			return false
		}
	}
	return true
}

func view(req *http.Request) clientView {
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 10 * time.Second}
	infos := 0
	trace := &httptrace.ClientTrace{Got1xxResponse: func(int, textproto.MIMEHeader) error { infos++; return nil }}
	res, err := c.Do(req.WithContext(httptrace.WithClientTrace(req.Context(), trace)))
	if err != nil {
		return clientView{Err: true}
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	for _, k := range []string{"Date", "X-Gantry-Upstream-Latency", "X-Gantry-Proxy-Latency", "X-Gantry-Response-Latency"} {
		res.Header.Del(k)
	}
	return clientView{Status: res.StatusCode, Header: res.Header, Body: string(b), Trailer: res.Trailer, Infos: infos, Err: err != nil}
}

// normalizeRequest puts a raw request's header lines in order (stable by
// name, so repeated fields keep theirs) and blanks the gateway's own
// port, the one thing two gateways must differ in.
func normalizeRequest(raw string, gwPort int) string {
	lines := strings.Split(strings.TrimSuffix(raw, "\r\n\r\n"), "\r\n")
	if len(lines) == 0 {
		return raw
	}
	hdr := lines[1:]
	for i, l := range hdr {
		if strings.HasPrefix(l, "X-Forwarded-Port: ") {
			hdr[i] = strings.ReplaceAll(l, itoa(gwPort), "GATEWAY-PORT")
		}
	}
	slices.SortStableFunc(hdr, func(a, b string) int {
		return strings.Compare(strings.ToLower(strings.SplitN(a, ":", 2)[0]), strings.ToLower(strings.SplitN(b, ":", 2)[0]))
	})
	return strings.Join(lines, "\r\n")
}

// recordingUpstream answers the first request of each connection with
// reply and closes the connection. received returns the raw header
// bytes of every request so far.
func recordingUpstream(t *testing.T, reply string) (addr string, received func() []string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu   sync.Mutex
		reqs []string
		wg   sync.WaitGroup
	)
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(10 * time.Second))
				br := bufio.NewReader(c)
				var raw strings.Builder
				for {
					line, err := br.ReadString('\n')
					raw.WriteString(line)
					if err != nil {
						return
					}
					if line == "\r\n" {
						break
					}
				}
				mu.Lock()
				reqs = append(reqs, raw.String())
				mu.Unlock()
				_, _ = io.WriteString(c, reply)
			})
		}
	})
	return ln.Addr().String(), func() []string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(reqs)
	}
}
