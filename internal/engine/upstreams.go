package engine

import (
	"encoding/json"
	"net/http"

	"github.com/gantryhq/gantry/internal/balancer"
	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/snapshot"
)

// The status listener's read-only upstream endpoints (docs/design.md,
// "Data plane read-only endpoints"): a data plane
// has no Admin API, so this is where an operator reads balancer health.
// They read the running snapshot; nothing here changes it.

// RegisterUpstreams adds the read-only upstream endpoints to the status
// listener's mux; nodeID is reported in /upstreams/{u}/health.
func (e *Engine) RegisterUpstreams(mux *http.ServeMux, nodeID string) {
	e.nodeID = nodeID
	mux.HandleFunc("GET /upstreams/{u}/health", e.serveUpstreamHealth)
	mux.HandleFunc("GET /upstreams/{u}/targets", func(w http.ResponseWriter, r *http.Request) { e.serveTargets(w, r, false) })
	mux.HandleFunc("GET /upstreams/{u}/targets/all", func(w http.ResponseWriter, r *http.Request) { e.serveTargets(w, r, true) })
	mux.HandleFunc("GET /upstreams/{u}/targets/{t}", e.serveTarget)
}

// upstream finds the upstream named or identified by the {u} path value,
// answering 404 itself when there is none.
func (e *Engine) upstream(w http.ResponseWriter, r *http.Request) *snapshot.Upstream {
	key := r.PathValue("u")
	if s := e.p.Current(); s != nil {
		if u := s.Upstream(key); u != nil {
			return u
		}
		for _, u := range s.Upstreams() {
			if u.Upstream.ID == key {
				return u
			}
		}
	}
	writeJSON(w, http.StatusNotFound, map[string]string{"message": "Not found"})
	return nil
}

// healthRow is one entry of /upstreams/{u}/health, Kong's shape: the
// target entity plus its health and resolved addresses.
type healthRow struct {
	*entity.Target
	Health string         `json:"health"`
	Data   map[string]any `json:"data"`
}

func (e *Engine) serveUpstreamHealth(w http.ResponseWriter, r *http.Request) {
	u := e.upstream(w, r)
	if u == nil {
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": healthRows(u), "next": nil, "node_id": e.nodeID})
}

// healthRows renders the health of every enabled target of u, Kong's shape.
func healthRows(u *snapshot.Upstream) []healthRow {
	byName := map[string]balancer.TargetHealth{}
	if u.Balancer != nil {
		for _, h := range u.Balancer.Health() {
			byName[h.Target] = h
		}
	}
	rows := []healthRow{}
	for _, t := range u.Targets {
		if t.Weight == 0 {
			continue
		}
		h, ok := byName[t.Target]
		if !ok {
			h.Health = balancer.HealthchecksOff
		}
		addrs := h.Addresses
		if addrs == nil {
			addrs = []balancer.AddressHealth{}
		}
		rows = append(rows, healthRow{Target: t, Health: h.Health, Data: map[string]any{"addresses": addrs}})
	}
	return rows
}

func (e *Engine) serveTargets(w http.ResponseWriter, r *http.Request, all bool) {
	u := e.upstream(w, r)
	if u == nil {
		return
	}
	out := []*entity.Target{}
	for _, t := range u.Targets {
		if all || t.Weight > 0 {
			out = append(out, t)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": out, "next": nil})
}

func (e *Engine) serveTarget(w http.ResponseWriter, r *http.Request) {
	u := e.upstream(w, r)
	if u == nil {
		return
	}
	key := r.PathValue("t")
	for _, t := range u.Targets {
		if t.ID == key || t.Target == key {
			writeJSON(w, http.StatusOK, t)
			return
		}
	}
	writeJSON(w, http.StatusNotFound, map[string]string{"message": "Not found"})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
