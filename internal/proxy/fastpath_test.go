package proxy_test

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/proxy"
)

// TestHeaderHandlingBothPaths: body-less GETs take the fast path, requests
// with a body httputil.ReverseProxy; both must drop the same hop-by-hop
// fields both ways, keep "Te: trailers", drop the client's Forwarded and
// clean an unparsable query the same way.
func TestHeaderHandlingBothPaths(t *testing.T) {
	t.Parallel()
	up := httptestServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Connection", "X-Resp-Hop")
		w.Header().Set("X-Resp-Hop", "1")
		w.Header().Set("Keep-Alive", "timeout=5")
		w.Header().Set("X-Resp-Normal", "kept")
		echoHandler("up").ServeHTTP(w, r)
	}))
	g := newGateway(t, proxy.Options{}, nil)
	svc := newService(up.URL)
	g.apply(&entity.Config{Services: []*entity.Service{svc}, Routes: []*entity.Route{newRoute(svc, []string{"/"})}})
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		t.Run(method, func(t *testing.T) {
			var body io.Reader
			if method == http.MethodPost {
				body = strings.NewReader("payload")
			}
			req, err := http.NewRequest(method, g.url()+"/x?a=1;b=2&c=3", body)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Connection", "X-Custom-Hop")
			req.Header.Set("X-Custom-Hop", "1")
			req.Header.Set("Keep-Alive", "timeout=5")
			req.Header.Set("Proxy-Authorization", "Basic eA==")
			req.Header.Set("Te", "trailers")
			req.Header.Set("Forwarded", "for=192.0.2.1")
			req.Header.Set("X-Normal", "yes")
			res, raw := do(t, http.DefaultClient, req)
			var got echo
			if err := json.Unmarshal(raw, &got); err != nil {
				t.Fatalf("upstream answer %q: %v", raw, err)
			}
			for _, k := range []string{"X-Custom-Hop", "Keep-Alive", "Proxy-Authorization", "Forwarded"} {
				if v, ok := got.Header[k]; ok {
					t.Errorf("upstream got %s: %q, want it dropped", k, v)
				}
			}
			if got.Header.Get("X-Normal") != "yes" || got.Header.Get("Te") != "trailers" {
				t.Errorf("upstream got X-Normal %q, Te %q; want yes, trailers", got.Header.Get("X-Normal"), got.Header.Get("Te"))
			}
			if got.Query != "c=3" {
				t.Errorf("upstream got query %q, want the unparsable pair dropped: c=3", got.Query)
			}
			if res.Header.Get("X-Resp-Hop") != "" || res.Header.Get("Keep-Alive") != "" {
				t.Errorf("client got X-Resp-Hop %q, Keep-Alive %q; want both dropped", res.Header.Get("X-Resp-Hop"), res.Header.Get("Keep-Alive"))
			}
			if res.Header.Get("X-Resp-Normal") != "kept" || res.Header.Get("Via") == "" {
				t.Errorf("client got X-Resp-Normal %q, Via %q; want kept and Gantry's", res.Header.Get("X-Resp-Normal"), res.Header.Get("Via"))
			}
		})
	}
}

// TestStreamsFlushed: on a buffering route, a response of unknown length
// (an event stream) still reaches the client as it comes: the upstream
// sends its second event only once the client has read the first.
func TestStreamsFlushed(t *testing.T) {
	t.Parallel()
	seen := make(chan struct{})
	up := httptestServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, "data: one\n\n")
		w.(http.Flusher).Flush()
		select {
		case <-seen:
		case <-time.After(5 * time.Second):
			return // the client never saw the first event
		}
		_, _ = io.WriteString(w, "data: two\n\n")
	}))
	g := newGateway(t, proxy.Options{}, nil)
	svc := newService(up.URL)
	g.apply(&entity.Config{Services: []*entity.Service{svc}, Routes: []*entity.Route{newRoute(svc, []string{"/"})}})
	res, err := http.Get(g.url() + "/events")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	br := bufio.NewReader(res.Body)
	first, err := br.ReadString('\n')
	if err != nil || first != "data: one\n" {
		t.Fatalf("first line %q, %v; want \"data: one\"", first, err)
	}
	close(seen)
	rest, err := io.ReadAll(br)
	if err != nil || string(rest) != "\ndata: two\n\n" {
		t.Fatalf("rest %q, %v; want the second event", rest, err)
	}
}
