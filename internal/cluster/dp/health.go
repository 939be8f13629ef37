package dp

import (
	"encoding/json"
	"net/http"

	"github.com/gantryhq/gantry/internal/balancer"
	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/snapshot"
)

// UpstreamHandler serves a data plane's read-only upstream endpoints on its
// status listener, in the Admin API's shapes: /upstreams/{u}/health,
// /upstreams/{u}/targets, /upstreams/{u}/targets/all and
// /upstreams/{u}/targets/{t}. current returns the snapshot in service (nil
// before the first); every request reads it once.
func UpstreamHandler(current func() *snapshot.Snapshot) http.Handler {
	mux := http.NewServeMux()
	find := func(w http.ResponseWriter, r *http.Request) *snapshot.Upstream {
		s := current()
		var u *snapshot.Upstream
		if s != nil {
			u = s.Upstream(r.PathValue("u"))
		}
		if u == nil {
			writeJSON(w, http.StatusNotFound, map[string]string{"message": "Not found"})
		}
		return u
	}
	mux.HandleFunc("GET /upstreams/{u}/health", func(w http.ResponseWriter, r *http.Request) {
		if u := find(w, r); u != nil {
			serveHealth(w, r, u)
		}
	})
	mux.HandleFunc("GET /upstreams/{u}/targets", func(w http.ResponseWriter, r *http.Request) {
		if u := find(w, r); u != nil {
			serveTargets(w, u, false)
		}
	})
	mux.HandleFunc("GET /upstreams/{u}/targets/all", func(w http.ResponseWriter, r *http.Request) {
		if u := find(w, r); u != nil {
			serveTargets(w, u, true)
		}
	})
	mux.HandleFunc("GET /upstreams/{u}/targets/{t}", func(w http.ResponseWriter, r *http.Request) {
		u := find(w, r)
		if u == nil {
			return
		}
		for _, t := range u.Targets {
			if t.ID == r.PathValue("t") || t.Target == r.PathValue("t") {
				writeJSON(w, http.StatusOK, t)
				return
			}
		}
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "Not found"})
	})
	return mux
}

// healthRow is one target of /upstreams/{u}/health, as Kong renders it.
type healthRow struct {
	ID       string         `json:"id,omitempty"`
	Target   string         `json:"target"`
	Weight   int            `json:"weight"`
	Health   string         `json:"health"`
	Upstream entity.Ref     `json:"upstream"`
	Data     map[string]any `json:"data"`
}

func serveHealth(w http.ResponseWriter, r *http.Request, u *snapshot.Upstream) {
	if u.Balancer == nil {
		writeJSON(w, http.StatusOK, map[string]any{"data": []any{}, "next": nil})
		return
	}
	if r.URL.Query().Get("balancer_health") == "1" {
		writeJSON(w, http.StatusOK, map[string]any{"data": map[string]string{"id": u.Upstream.ID, "health": u.Balancer.UpstreamHealth()}})
		return
	}
	ids := map[string]string{}
	for _, t := range u.Targets {
		ids[t.Target] = t.ID
	}
	rows := []healthRow{}
	for _, h := range u.Balancer.Health() {
		addrs := h.Addresses
		if addrs == nil {
			addrs = []balancer.AddressHealth{}
		}
		rows = append(rows, healthRow{ID: ids[h.Target], Target: h.Target, Weight: h.Weight, Health: h.Health,
			Upstream: entity.Ref{ID: u.Upstream.ID}, Data: map[string]any{"addresses": addrs}})
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": rows, "next": nil})
}

// serveTargets lists the upstream's targets; without all, disabled ones
// (weight 0) are left out as Kong does.
func serveTargets(w http.ResponseWriter, u *snapshot.Upstream, all bool) {
	out := []*entity.Target{}
	for _, t := range u.Targets {
		if all || t.Weight > 0 {
			out = append(out, t)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": out, "next": nil})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
