package admin

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/gantryhq/gantry/internal/balancer"
	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/store"
)

func TestUpstreamHealth(t *testing.T) {
	t.Parallel()
	// The real balancer of the upstream, built once the entities exist.
	var bal atomic.Pointer[balancer.Balancer]
	a := newTestAPI(t, func(o *Options) {
		o.UpstreamHealth = func(_ context.Context, id string) (any, string, error) {
			b := bal.Load()
			if b == nil {
				return nil, "", errors.New("no balancer yet")
			}
			return b.Health(), b.UpstreamHealth(), nil
		}
		o.SetTargetHealth = func(_ context.Context, id, target, address string, healthy bool) error {
			return bal.Load().SetHealth(target, address, healthy)
		}
	})
	up := a.must(http.StatusCreated, "POST", "/upstreams", map[string]any{"name": "pool", "healthchecks": map[string]any{
		"passive": map[string]any{"unhealthy": map[string]any{"tcp_failures": 1}, "healthy": map[string]any{"successes": 1}},
	}})
	a.must(http.StatusCreated, "POST", "/upstreams/pool/targets", map[string]any{"target": "127.0.0.1:9"})

	ctx := context.Background()
	ue, err := a.store.Get(ctx, entity.KindUpstream, up["id"].(string))
	if err != nil {
		t.Fatal(err)
	}
	page, err := a.store.List(ctx, entity.KindTarget, listByUpstream(up["id"].(string)))
	if err != nil {
		t.Fatal(err)
	}
	var targets []*entity.Target
	for _, e := range page.Items {
		targets = append(targets, e.(*entity.Target))
	}
	b, err := balancer.New(ue.(*entity.Upstream), targets, balancer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	b.Start()
	t.Cleanup(b.Close)
	bal.Store(b)

	runCases(t, a, []apiCase{
		{"targets start healthy", "GET", "/upstreams/pool/health", nil, 200, 0, []string{`"target":"127.0.0.1:9"`, `"health":"HEALTHY"`, `"node_id":"c0ffee00`}},
		{"mark a target unhealthy", "POST", "/upstreams/pool/targets/127.0.0.1:9/unhealthy", nil, 204, 0, nil},
		{"the mark shows", "GET", "/upstreams/pool/health", nil, 200, 0, []string{`"health":"UNHEALTHY"`}},
		{"whole upstream", "GET", "/upstreams/pool/health?balancer_health=1", nil, 200, 0, []string{`"id":"` + up["id"].(string) + `"`, `"health":`}},
		{"mark one address healthy", "POST", "/upstreams/pool/targets/127.0.0.1:9/127.0.0.1:9/healthy", nil, 204, 0, nil},
		{"healthy again", "GET", "/upstreams/pool/health", nil, 200, 0, []string{`"health":"HEALTHY"`}},
		{"unknown address", "POST", "/upstreams/pool/targets/127.0.0.1:9/10.1.1.1:9/healthy", nil, 400, 0, []string{"127.0.0.1:9"}},
		{"unknown target", "POST", "/upstreams/pool/targets/10.9.9.9:1/healthy", nil, 404, 0, []string{"Not found"}},
		{"unknown upstream", "GET", "/upstreams/nope/health", nil, 404, 0, []string{"Not found"}},
	})

	t.Run("a node without a balancer says so", func(t *testing.T) {
		plain := newTestAPI(t, nil)
		plain.must(http.StatusCreated, "POST", "/upstreams", map[string]any{"name": "pool"})
		wantError(t, plain.do("GET", "/upstreams/pool/health", nil), http.StatusNotFound, 0, "not available on this node")
	})
}

func listByUpstream(id string) store.ListOptions {
	return store.ListOptions{Size: 1000, ForeignKey: &store.ForeignKey{Field: "upstream", ID: id}}
}
