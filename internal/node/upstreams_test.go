package node_test

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/testutil"
)

func TestUpstreamEndpoints(t *testing.T) {
	t.Parallel()
	up := upstream(t, "balanced")
	addr := strings.TrimPrefix(up.URL, "http://")
	cfg := oneRoute("http://backend.internal")
	u := entity.NewUpstream()
	u.ID, u.Name = "5b0e0b9a-4d0e-4bd5-9a0e-3f7f3c5b7a01", "backend.internal"
	live, off := entity.NewTarget(), entity.NewTarget()
	live.ID, live.Target, live.Upstream = "6c1f1cab-5e1f-4ce6-8b1f-4a8a4d6c8b02", addr, &entity.Ref{ID: u.ID}
	off.ID, off.Target, off.Weight, off.Upstream = "7d2a2dbc-6f2a-4df7-9c2a-5b9b5e7d9c03", "127.0.0.1:9", 0, &entity.Ref{ID: u.ID}
	for _, e := range []entity.Entity{u, live, off} {
		entity.Normalize(e)
		cfg.Add(e)
	}
	n := runNode(t, setup{settings: nodeSettings(t), source: &switchSource{cfg: cfg}})
	if code, body := testutil.Get(t, n.Listeners().Proxy[0].URL()+"/"); code != 200 || body != "balanced" {
		t.Fatalf("proxy through the upstream = %d %q", code, body)
	}
	base := n.Listeners().Status[0].URL() + "/upstreams/"
	tests := []struct {
		name     string
		path     string
		wantCode int
		wantRows int // -1: not a list
		wantIn   string
	}{
		{name: "health by name", path: u.Name + "/health", wantCode: 200, wantRows: 1, wantIn: `"health":"HEALTHCHECKS_OFF"`},
		{name: "health by id", path: u.ID + "/health", wantCode: 200, wantRows: 1, wantIn: `"node_id":"` + n.ID() + `"`},
		{name: "enabled targets", path: u.Name + "/targets", wantCode: 200, wantRows: 1, wantIn: addr},
		{name: "all targets", path: u.Name + "/targets/all", wantCode: 200, wantRows: 2, wantIn: "127.0.0.1:9"},
		{name: "one target by address", path: u.Name + "/targets/" + url.PathEscape(addr), wantCode: 200, wantRows: -1, wantIn: live.ID},
		{name: "unknown target", path: u.Name + "/targets/nope", wantCode: 404, wantRows: -1},
		{name: "unknown upstream", path: "nope/health", wantCode: 404, wantRows: -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := testutil.Get(t, base+tt.path)
			if code != tt.wantCode || !strings.Contains(body, tt.wantIn) {
				t.Fatalf("GET %s = %d %s; want %d containing %q", tt.path, code, body, tt.wantCode, tt.wantIn)
			}
			if tt.wantRows >= 0 {
				var list struct{ Data []json.RawMessage }
				if err := json.Unmarshal([]byte(body), &list); err != nil || len(list.Data) != tt.wantRows {
					t.Fatalf("GET %s: %d rows (%v), want %d", tt.path, len(list.Data), err, tt.wantRows)
				}
			}
		})
	}
}
