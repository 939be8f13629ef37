package dp

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/snapshot"
)

func TestUpstreamHandler(t *testing.T) {
	t.Parallel()
	up := entity.NewUpstream()
	up.ID, up.Name = "00000000-0000-4000-8000-0000000000a1", "backend"
	on, off := entity.NewTarget(), entity.NewTarget()
	on.ID, on.Target, on.Upstream = "00000000-0000-4000-8000-0000000000b1", "127.0.0.1:9", &entity.Ref{ID: up.ID}
	off.ID, off.Target, off.Weight, off.Upstream = "00000000-0000-4000-8000-0000000000b2", "127.0.0.1:10", 0, &entity.Ref{ID: up.ID}
	snap, err := snapshot.Build(&entity.Config{Upstreams: []*entity.Upstream{up}, Targets: []*entity.Target{on, off}}, nil, snapshot.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { snap.Retire(nil) })
	srv := httptest.NewServer(UpstreamHandler(func() *snapshot.Snapshot { return snap }))
	t.Cleanup(srv.Close)

	tests := []struct {
		path   string
		status int
		rows   int // -1: not a list
	}{
		{"/upstreams/backend/health", 200, 1},
		{"/upstreams/" + up.ID + "/health", 200, 1},
		{"/upstreams/backend/targets", 200, 1},
		{"/upstreams/backend/targets/all", 200, 2},
		{"/upstreams/backend/targets/127.0.0.1:10", 200, -1},
		{"/upstreams/backend/targets/" + on.ID, 200, -1},
		{"/upstreams/backend/targets/nope", 404, -1},
		{"/upstreams/nope/health", 404, -1},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			resp, err := http.Get(srv.URL + tt.path)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.status)
			}
			if tt.rows < 0 {
				return
			}
			var body struct {
				Data []map[string]any `json:"data"`
			}
			if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
				t.Fatal(err)
			}
			if len(body.Data) != tt.rows {
				t.Fatalf("%d rows, want %d: %v", len(body.Data), tt.rows, body.Data)
			}
		})
	}
	resp, err := http.Post(srv.URL+"/upstreams/backend/targets", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("POST answered %d: the data plane's endpoints must be read-only", resp.StatusCode)
	}
}
