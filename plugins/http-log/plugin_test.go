package httplog_test

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/plugin"
	"github.com/gantryhq/gantry/internal/plugin/plugintest"
	_ "github.com/gantryhq/gantry/plugins/http-log"
)

// received is one request the collector got.
type received struct {
	method, contentType, source, auth string
	body                              []byte
}

// collector is a real HTTP log endpoint; the first failFirst requests get 500.
func collector(t *testing.T, failFirst int32) (string, <-chan received) {
	ch := make(chan received, 100)
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		ch <- received{r.Method, r.Header.Get("Content-Type"), r.Header.Get("X-Source"), r.Header.Get("Authorization"), b}
		if calls.Add(1) <= failFirst {
			w.WriteHeader(http.StatusInternalServerError)
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL, ch
}

func next(t *testing.T, ch <-chan received) received {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(10 * time.Second):
		t.Fatal("no log entry reached the collector")
		return received{}
	}
}

type entry struct {
	Request struct {
		Method string `json:"method"`
		URI    string `json:"uri"`
	} `json:"request"`
	Response struct {
		Status int `json:"status"`
	} `json:"response"`
}

func TestHTTPLogSingleEntries(t *testing.T) {
	t.Parallel()
	url, ch := collector(t, 0)
	h := plugintest.New(t, plugintest.Basic(plugintest.Plugin("http-log", map[string]any{
		"http_endpoint": strings.Replace(url, "http://", "http://bob:pw@", 1), "method": "PUT",
	}, plugintest.Scope{})))
	h.Do(t, h.Request(t, "GET", "/a?x=1", nil))
	r := next(t, ch)
	var e entry
	if err := json.Unmarshal(r.body, &e); err != nil {
		t.Fatalf("body %s: %v", r.body, err)
	}
	if r.method != "PUT" || r.contentType != "application/json" || !strings.HasPrefix(r.auth, "Basic ") ||
		e.Request.Method != "GET" || e.Request.URI != "/a?x=1" || e.Response.Status != 200 {
		t.Errorf("got %s %s auth %q: %s", r.method, r.contentType, r.auth, r.body)
	}
}

func TestHTTPLogRetries(t *testing.T) {
	t.Parallel()
	url, ch := collector(t, 2)
	h := plugintest.New(t, plugintest.Basic(plugintest.Plugin("http-log", map[string]any{
		"http_endpoint": url, "queue": map[string]any{"initial_retry_delay": 0.01},
	}, plugintest.Scope{})))
	h.Do(t, h.Request(t, "GET", "/retry", nil))
	var bodies []string
	for range 3 {
		bodies = append(bodies, string(next(t, ch).body))
	}
	if bodies[0] != bodies[1] || bodies[1] != bodies[2] || !strings.Contains(bodies[2], `"/retry"`) {
		t.Errorf("the same entry must be sent until accepted: %q", bodies)
	}
	if logs := h.Logs(); !strings.Contains(logs, "retrying") {
		t.Errorf("retries not logged: %s", logs)
	}
}

func TestHTTPLogReadmeExample(t *testing.T) {
	t.Parallel()
	url, ch := collector(t, 0)
	p := plugintest.Example(t, "README.md")
	if errs := plugin.Bundled(nil).Validate(p); errs != nil {
		t.Fatalf("README example invalid: %v", errs)
	}
	p.Config["http_endpoint"] = url + "/logs" // a collector on loopback instead of collector.internal
	h := plugintest.New(t, plugintest.Basic(p))
	h.Do(t, h.Request(t, "GET", "/one", nil))
	h.Do(t, h.Request(t, "GET", "/two", nil))
	r := next(t, ch)
	var batch []entry
	if err := json.Unmarshal(r.body, &batch); err != nil || len(batch) != 2 || r.source != "gantry" {
		t.Fatalf("got %s (source %q, err %v), want an array of two", r.body, r.source, err)
	}
	if batch[0].Request.URI != "/one" || batch[1].Request.URI != "/two" {
		t.Errorf("batch = %+v", batch)
	}
}

func TestHTTPLogSchema(t *testing.T) {
	t.Parallel()
	plugintest.CheckSchema(t, "http-log", map[string]plugintest.SchemaCase{
		"missing endpoint": {Config: map[string]any{}, Field: "config.http_endpoint", Message: "required field missing"},
		"not http":         {Config: map[string]any{"http_endpoint": "ftp://x/y"}, Field: "config.http_endpoint"},
		"method":           {Config: map[string]any{"http_endpoint": "http://x/", "method": "GET"}, Field: "config.method"},
		"batch size":       {Config: map[string]any{"http_endpoint": "http://x/", "queue": map[string]any{"max_batch_size": 0}}, Field: "config.queue.max_batch_size"},
		"bad header":       {Config: map[string]any{"http_endpoint": "http://x/", "headers": map[string]any{"a b": "c"}}, Field: "config.headers.a b"},
	})
}

// TestHTTPLogEndpointPasswordNeverLogged sends to an endpoint with a
// password in its URL that refuses connections: the retries and the final
// drop are logged, the password never is.
func TestHTTPLogEndpointPasswordNeverLogged(t *testing.T) {
	t.Parallel()
	const password = "http-log-endpoint-pw"
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := l.Addr().String()
	l.Close()
	h := plugintest.New(t, plugintest.Basic(plugintest.Plugin("http-log", map[string]any{
		"http_endpoint": "http://logger:" + password + "@" + dead + "/logs",
		"queue":         map[string]any{"max_retry_time": 0.2, "initial_retry_delay": 0.01, "max_retry_delay": 0.05},
	}, plugintest.Scope{})))
	if resp, _ := h.Do(t, h.Request(t, "GET", "/", nil)); resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(h.Logs(), "batch dropped") {
		if time.Now().After(deadline) {
			t.Fatalf("the dropped batch was not logged:\n%s", h.Logs())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if logs := h.Logs(); strings.Contains(logs, password) || !strings.Contains(logs, "retrying") {
		t.Errorf("logs hold the endpoint password or no retry:\n%s", logs)
	}
}
