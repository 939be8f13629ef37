package proxy_test

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/proxy"
	"github.com/gantryhq/gantry/internal/testutil"
)

// newUpstream returns an upstream named name with targets, and a service
// pointing at it.
func newUpstream(name string, targets ...string) (*entity.Upstream, []*entity.Target, *entity.Service) {
	up := entity.NewUpstream()
	up.ID = uuid.NewString()
	up.Name = name
	var ts []*entity.Target
	for _, addr := range targets {
		tg := entity.NewTarget()
		tg.ID = uuid.NewString()
		tg.Upstream = &entity.Ref{ID: up.ID}
		tg.Target = addr
		ts = append(ts, tg)
	}
	return up, ts, newService("http://" + name)
}

// servedBy sends n requests and counts the answering upstream by name;
// any non-200 answer fails the test.
func servedBy(t *testing.T, url string, n int) map[string]int {
	t.Helper()
	seen := map[string]int{}
	for range n {
		res, body := get(t, url)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("status %d: %s", res.StatusCode, body)
		}
		var e echo
		if err := json.Unmarshal(body, &e); err != nil {
			t.Fatal(err)
		}
		seen[e.Server]++
	}
	return seen
}

// waitHealth polls the upstream's balancer until target has health want.
func waitHealth(t *testing.T, g *gateway, upstream, target, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		for _, th := range g.p.Current().Upstream(upstream).Balancer.Health() {
			if th.Target == target && th.Health == want {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("target %s never became %s: %+v", target, want, g.p.Current().Upstream(upstream).Balancer.Health())
}

func TestActiveHealthCheckTakesTargetOutAndBack(t *testing.T) {
	t.Parallel()
	a := echoServer(t, "a")
	b := echoServer(t, "b")
	bAddr := b.Listener.Addr().String()
	up, targets, svc := newUpstream("health.upstream", a.Listener.Addr().String(), bAddr)
	hc := &up.Healthchecks.Active
	hc.Timeout = 0.5
	hc.Healthy.Interval, hc.Healthy.Successes = 0.05, 1
	hc.Unhealthy.Interval, hc.Unhealthy.TCPFailures, hc.Unhealthy.HTTPFailures, hc.Unhealthy.Timeouts = 0.05, 1, 1, 1
	g := newGateway(t, proxy.Options{}, nil)
	g.apply(&entity.Config{
		Services: []*entity.Service{svc}, Upstreams: []*entity.Upstream{up}, Targets: targets,
		Routes: []*entity.Route{newRoute(svc, []string{"/"})},
	})

	if seen := servedBy(t, g.url()+"/", 10); seen["a"] == 0 || seen["b"] == 0 {
		t.Fatalf("both targets should serve while healthy: %v", seen)
	}
	b.Close()
	waitHealth(t, g, "health.upstream", bAddr, "UNHEALTHY")
	if seen := servedBy(t, g.url()+"/", 30); seen["b"] != 0 {
		t.Fatalf("dead target still served: %v", seen)
	}

	ln, err := net.Listen("tcp", bAddr)
	if err != nil {
		t.Skipf("cannot listen on %s again: %v", bAddr, err)
	}
	revived := &httptest.Server{Listener: ln, Config: &http.Server{Handler: echoHandler("b")}}
	revived.Start()
	t.Cleanup(revived.Close)
	waitHealth(t, g, "health.upstream", bAddr, "HEALTHY")
	if seen := servedBy(t, g.url()+"/", 10); seen["b"] == 0 {
		t.Fatalf("revived target gets no traffic: %v", seen)
	}
}

func TestRetriesOnRefusedConnection(t *testing.T) {
	t.Parallel()
	a := echoServer(t, "a")
	tests := []struct {
		name    string
		retries int
		wantAll bool
	}{
		{"retries reach the live target", 5, true},
		{"without retries the dead target fails requests", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			up, targets, svc := newUpstream("retry.upstream", testutil.ClosedAddr(t), a.Listener.Addr().String())
			svc.Retries = tt.retries
			g := newGateway(t, proxy.Options{}, nil)
			g.apply(&entity.Config{
				Services: []*entity.Service{svc}, Upstreams: []*entity.Upstream{up}, Targets: targets,
				Routes: []*entity.Route{newRoute(svc, []string{"/"})},
			})
			failed := 0
			for i := range 10 {
				// POST with a body: a refused connection sent nothing, so
				// even a non-idempotent request may go to the next target.
				res, body := post(t, g.url()+"/", "payload")
				switch {
				case res.StatusCode == http.StatusOK:
					if !strings.Contains(string(body), `"body":"payload"`) {
						t.Errorf("request %d: body lost on retry: %s", i, body)
					}
				case res.StatusCode == http.StatusBadGateway:
					failed++
				default:
					t.Errorf("request %d: status %d: %s", i, res.StatusCode, body)
				}
			}
			if tt.wantAll && failed > 0 {
				t.Errorf("%d of 10 requests failed despite retries", failed)
			}
			if !tt.wantAll && failed == 0 {
				t.Error("no request failed without retries: the dead target was never picked")
			}
		})
	}
}

func TestUpstreamFailures(t *testing.T) {
	t.Parallel()
	slow := httptestServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(3 * time.Second):
		case <-r.Context().Done():
		}
	}))
	emptyUp, _, emptySvc := newUpstream("empty.upstream")
	zeroUp, zeroTargets, zeroSvc := newUpstream("zero.upstream", slow.Listener.Addr().String())
	zeroTargets[0].Weight = 0
	tests := []struct {
		name   string
		svc    *entity.Service
		status int
		msg    string
	}{
		{"garbage instead of HTTP", newService("http://" + rawServer(t, "garbage\r\n\r\n")), 502, "An invalid response was received from the upstream server"},
		{"connection closed mid-headers", newService("http://" + rawServer(t, "HTTP/1.1 200 OK\r\nContent-Le")), 502, "An invalid response was received from the upstream server"},
		{"connection closed before answering", newService("http://" + rawServer(t, "")), 502, "An invalid response was received from the upstream server"},
		{"connection refused", newService("http://" + testutil.ClosedAddr(t)), 502, "An invalid response was received from the upstream server"},
		{"slow upstream", newService(slow.URL, func(s *entity.Service) { s.ReadTimeout, s.Retries = 200, 0 }), 504, "The upstream server is timing out"},
		{"connect timeout", newService("http://"+blackholeAddr(t), func(s *entity.Service) { s.ConnectTimeout, s.Retries = 200, 1 }), 504, "The upstream server is timing out"},
		{"upstream without targets", emptySvc, 503, "failure to get a peer from the ring-balancer"},
		{"upstream whose only target has weight 0", zeroSvc, 503, "failure to get a peer from the ring-balancer"},
	}
	cfg := &entity.Config{Upstreams: []*entity.Upstream{emptyUp, zeroUp}, Targets: zeroTargets}
	for i, tt := range tests {
		cfg.Services = append(cfg.Services, tt.svc)
		cfg.Routes = append(cfg.Routes, newRoute(tt.svc, []string{"/" + itoa(i)}))
	}
	// The same failures, and so the same timeouts, on both paths.
	for _, path := range []struct {
		name string
		opts proxy.Options
	}{{"fast path", proxy.Options{}}, {"ReverseProxy", proxy.Options{DisableFastPath: true}}} {
		t.Run(path.name, func(t *testing.T) {
			g := newGateway(t, path.opts, nil)
			g.apply(cfg)
			for i, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					res, body := get(t, g.url()+"/"+itoa(i))
					wantGatewayError(t, res, body, tt.status, tt.msg)
				})
			}
		})
	}
}

// TestResponseBodyStall: once headers went out the status cannot change;
// a body that stalls past read_timeout must abort the client's response
// rather than hang it.
func TestResponseBodyStall(t *testing.T) {
	t.Parallel()
	up := httptestServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "100")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte("partial"))
		w.(http.Flusher).Flush()
		select {
		case <-time.After(5 * time.Second):
		case <-r.Context().Done():
		}
	}))
	g := newGateway(t, proxy.Options{}, nil)
	svc := newService(up.URL, func(s *entity.Service) { s.ReadTimeout = 200 })
	g.apply(&entity.Config{Services: []*entity.Service{svc}, Routes: []*entity.Route{newRoute(svc, []string{"/"})}})
	start := time.Now()
	res, err := http.Get(g.url() + "/")
	if err == nil {
		defer res.Body.Close()
		_, err = readAll(res)
	}
	if err == nil {
		t.Error("the stalled response reached the client as complete; want an error")
	}
	if time.Since(start) > 4*time.Second {
		t.Error("the stalled response was not cut by read_timeout")
	}
}

// blackholeAddr returns a loopback address where connecting hangs: a
// listening socket with a backlog of 0, filled by one connection nobody
// accepts, so the kernel drops further SYNs.
func blackholeAddr(t *testing.T) string {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Listen(fd, 0); err != nil {
		t.Fatal(err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	addr := net.JoinHostPort("127.0.0.1", itoa(sa.(*syscall.SockaddrInet4).Port))
	filler, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { filler.Close() })
	return addr
}

// rawServer accepts connections, writes reply and closes each.
func rawServer(t *testing.T, reply string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			buf := make([]byte, 4096)
			_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
			_, _ = c.Read(buf)
			_, _ = c.Write([]byte(reply))
			c.Close()
		}
	}()
	return ln.Addr().String()
}

// TestResponseBufferingOff: with response_buffering=false the client sees
// each chunk as the upstream sends it, even for a sized body.
func TestResponseBufferingOff(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	up := httptestServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "10")
		_, _ = w.Write([]byte("hello"))
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-time.After(5 * time.Second):
		}
		_, _ = w.Write([]byte("world"))
	}))
	g := newGateway(t, proxy.Options{}, nil)
	svc := newService(up.URL)
	g.apply(&entity.Config{Services: []*entity.Service{svc}, Routes: []*entity.Route{
		newRoute(svc, []string{"/"}, func(r *entity.Route) { r.ResponseBuffering = false }),
	}})
	type chunk struct {
		res   *http.Response
		first string
		err   error
	}
	got := make(chan chunk, 1)
	go func() {
		res, err := http.Get(g.url() + "/")
		if err != nil {
			got <- chunk{err: err}
			return
		}
		first := make([]byte, 5)
		_, err = io.ReadFull(res.Body, first)
		got <- chunk{res, string(first), err}
	}()
	var c chunk
	select {
	case c = <-got:
		if c.err != nil || c.first != "hello" {
			t.Fatalf("first chunk = %q, %v", c.first, c.err)
		}
	case <-time.After(3 * time.Second):
		close(release)
		<-got
		t.Fatal("the first chunk was held back until the upstream finished")
	}
	res := c.res
	defer res.Body.Close()
	close(release)
	rest, err := io.ReadAll(res.Body)
	if err != nil || string(rest) != "world" {
		t.Errorf("rest = %q, %v", rest, err)
	}
}

// TestPassiveHealthCheck: the proxy reports every upstream answer to the
// balancer, so a target answering 500 is taken out after http_failures.
func TestPassiveHealthCheck(t *testing.T) {
	t.Parallel()
	good := echoServer(t, "good")
	bad := httptestServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
	}))
	badAddr := bad.Listener.Addr().String()
	up, targets, svc := newUpstream("passive.upstream", good.Listener.Addr().String(), badAddr)
	up.Healthchecks.Passive.Unhealthy.HTTPFailures = 2
	g := newGateway(t, proxy.Options{}, nil)
	g.apply(&entity.Config{
		Services: []*entity.Service{svc}, Upstreams: []*entity.Upstream{up}, Targets: targets,
		Routes: []*entity.Route{newRoute(svc, []string{"/"})},
	})
	failures := 0
	for range 20 {
		res, _ := get(t, g.url()+"/")
		if res.StatusCode == http.StatusInternalServerError {
			failures++
		}
	}
	if failures != 2 {
		t.Errorf("%d requests reached the failing target, want exactly http_failures = 2", failures)
	}
	waitHealth(t, g, "passive.upstream", badAddr, "UNHEALTHY")
}

// TestWriteTimeout: an upstream that stops reading the request body gets
// write_timeout, and the client 504.
func TestWriteTimeout(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	accepting := make(chan struct{})
	go func() {
		defer close(accepting)
		var held []net.Conn // accepted, never read
		defer func() {
			for _, c := range held {
				c.Close()
			}
		}()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			held = append(held, c)
		}
	}()
	t.Cleanup(func() { ln.Close(); <-accepting })
	g := newGateway(t, proxy.Options{}, nil)
	svc := newService("http://"+ln.Addr().String(), func(s *entity.Service) {
		s.WriteTimeout, s.ReadTimeout, s.Retries = 300, 20000, 0
	})
	g.apply(&entity.Config{Services: []*entity.Service{svc}, Routes: []*entity.Route{newRoute(svc, []string{"/"})}})

	const size = 256 << 20
	c := dial(t, g.addrs["http"])
	_ = c.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := io.WriteString(c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: "+itoa(size)+"\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	sent := make(chan struct{})
	go func() {
		defer close(sent)
		chunk := make([]byte, 64<<10)
		for n := 0; n < size; n += len(chunk) {
			if _, err := c.Write(chunk); err != nil {
				return // the proxy answered and closed
			}
		}
	}()
	t.Cleanup(func() { c.Close(); <-sent })
	res, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("no answer while the upstream stalled: %v", err)
	}
	body, _ := io.ReadAll(res.Body)
	wantGatewayError(t, res, body, http.StatusGatewayTimeout, "The upstream server is timing out")
}
