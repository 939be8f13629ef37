package server

import (
	"net/http"

	"github.com/gantryhq/gantry/internal/balancer"
	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/snapshot"
)

// The status listener's read-only upstream endpoints (docs/design.md,
// "Data plane read-only endpoints"): a data plane
// has no Admin API, so this is where an operator reads balancer health.
// They read the running snapshot; nothing here changes it.

func (n *Node) registerUpstreams(mux *http.ServeMux) {
	mux.HandleFunc("GET /upstreams/{u}/health", n.serveUpstreamHealth)
	mux.HandleFunc("GET /upstreams/{u}/targets", func(w http.ResponseWriter, r *http.Request) { n.serveTargets(w, r, false) })
	mux.HandleFunc("GET /upstreams/{u}/targets/all", func(w http.ResponseWriter, r *http.Request) { n.serveTargets(w, r, true) })
	mux.HandleFunc("GET /upstreams/{u}/targets/{t}", n.serveTarget)
}

// upstream finds the upstream named or identified by the {u} path value,
// answering 404 itself when there is none.
func (n *Node) upstream(w http.ResponseWriter, r *http.Request) *snapshot.Upstream {
	key := r.PathValue("u")
	if s := n.engine.p.Current(); s != nil {
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

func (n *Node) serveUpstreamHealth(w http.ResponseWriter, r *http.Request) {
	u := n.upstream(w, r)
	if u == nil {
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": healthRows(u), "next": nil, "node_id": n.id})
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

func (n *Node) serveTargets(w http.ResponseWriter, r *http.Request, all bool) {
	u := n.upstream(w, r)
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

func (n *Node) serveTarget(w http.ResponseWriter, r *http.Request) {
	u := n.upstream(w, r)
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
