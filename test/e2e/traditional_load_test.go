package e2e

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/testutil"
)

// TestAdminCRUDReflectedInProxy drives a SQLite node through the Admin API
// with plain HTTP calls: create, update and delete of a service and a
// route, each visible in the proxy without a restart.
func TestAdminCRUDReflectedInProxy(t *testing.T) {
	t.Parallel()
	a, b := newUpstream(t, "A", 0), newUpstream(t, "B", 0)
	n := startTraditional(t)
	api := n.AdminURL()
	proxyIs := func(what, path string, wantCode int, wantBody string) {
		t.Helper()
		testutil.Eventually(t, what, 10*time.Second, func() bool {
			code, body := get(n.ProxyURL() + path)
			return code == wantCode && (wantBody == "" || body == wantBody)
		})
	}

	mustAdmin(t, 201, "POST", api+"/services", map[string]any{"name": "web", "url": a.URL})
	mustAdmin(t, 201, "POST", api+"/services/web/routes", map[string]any{"name": "web", "paths": []string{"/web"}})
	proxyIs("the created route", "/web", 200, "A")

	mustAdmin(t, 200, "PATCH", api+"/services/web", map[string]any{"url": b.URL})
	proxyIs("the service's new upstream", "/web", 200, "B")

	mustAdmin(t, 200, "PATCH", api+"/routes/web", map[string]any{"paths": []string{"/site"}})
	proxyIs("the route's new path", "/site", 200, "B")
	proxyIs("the route's old path gone", "/web", 404, "")

	mustAdmin(t, 200, "PUT", api+"/routes/web", map[string]any{"paths": []string{"/put"}, "service": map[string]any{"name": "web"}})
	proxyIs("the route replaced by PUT", "/put", 200, "B")

	mustAdmin(t, 204, "DELETE", api+"/routes/web", nil)
	proxyIs("the deleted route gone", "/put", 404, "")
	mustAdmin(t, 204, "DELETE", api+"/services/web", nil)
	mustAdmin(t, 404, "GET", api+"/services/web", nil)
}

// TestAdminChangesUnderLoad changes routing through the Admin API while
// clients keep sending requests on keep-alive connections, some of them
// slow: not one request fails, and each change reaches the proxy without a
// restart.
func TestAdminChangesUnderLoad(t *testing.T) {
	t.Parallel()
	a := newUpstream(t, "A", 300*time.Millisecond)
	b := newUpstream(t, "B", 300*time.Millisecond)
	n := startTraditional(t)
	api := n.AdminURL()
	mustAdmin(t, 201, "POST", api+"/services", map[string]any{"name": "web", "url": a.URL})
	mustAdmin(t, 201, "POST", api+"/services/web/routes", map[string]any{"name": "web", "paths": []string{"/web"}})
	testutil.Eventually(t, "the route to serve", 10*time.Second, func() bool { code, _ := get(n.ProxyURL() + "/web"); return code == 200 })

	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var sent, failed atomic.Int64
	var firstErr atomic.Value
	load := func(path string) {
		defer wg.Done()
		client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
		defer client.CloseIdleConnections()
		for ctx.Err() == nil {
			sent.Add(1)
			resp, err := client.Get(n.ProxyURL() + path)
			if err != nil {
				failed.Add(1)
				firstErr.CompareAndSwap(nil, err.Error())
				continue
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || (string(body) != "A" && string(body) != "B") {
				failed.Add(1)
				firstErr.CompareAndSwap(nil, fmt.Sprintf("%s: %d %q", path, resp.StatusCode, body))
			}
		}
	}
	for _, path := range []string{"/web", "/web", "/web", "/web/slow", "/web/slow"} {
		wg.Add(1)
		go load(path)
	}
	stopLoad := func() { cancel(); wg.Wait() }
	defer stopLoad()

	var seen []time.Duration
	reach := func(what string, ok func() bool) {
		t.Helper()
		began := time.Now()
		testutil.Eventually(t, what, 10*time.Second, ok)
		seen = append(seen, time.Since(began))
	}
	for i := range 10 {
		url := b.URL
		if i%2 == 1 {
			url = a.URL
		}
		mustAdmin(t, 200, "PATCH", api+"/services/web", map[string]any{"url": url})
		path := fmt.Sprintf("/extra-%d", i)
		mustAdmin(t, 201, "POST", api+"/services/web/routes", map[string]any{"name": path[1:], "paths": []string{path}})
		reach("route "+path+" to serve", func() bool { code, _ := get(n.ProxyURL() + path); return code == 200 })
		if i > 0 {
			old := fmt.Sprintf("/extra-%d", i-1)
			mustAdmin(t, 204, "DELETE", api+"/routes"+old, nil)
			reach("route "+old+" to go", func() bool { code, _ := get(n.ProxyURL() + old); return code == 404 })
		}
	}
	stopLoad()
	if failed.Load() != 0 || sent.Load() < 20 {
		t.Fatalf("%d of %d requests failed during Admin API changes (first: %v)", failed.Load(), sent.Load(), firstErr.Load())
	}
	slices.Sort(seen)
	t.Logf("%d requests, none failed; change → proxy: median %v, max %v", sent.Load(), seen[len(seen)/2], seen[len(seen)-1])
}
