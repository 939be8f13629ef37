package admin

import (
	"net/http"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/store"
)

func errNoHealth() *apiError {
	return &apiError{Status: http.StatusNotFound, Message: "upstream health is not available on this node (it proxies no traffic)"}
}

// upstreamHealth answers GET /upstreams/{u}/health: the balancer's view of
// each target, or with ?balancer_health=1 of the whole upstream.
func (h *handler) upstreamHealth(r *http.Request, p params) (int, any, error) {
	up, err := h.find(r.Context(), h.reader(), h.kinds[entity.KindUpstream], p["pid"], nil)
	if err != nil {
		return 0, nil, asNotFound(err)
	}
	if h.opts.UpstreamHealth == nil {
		return 0, nil, errNoHealth()
	}
	targets, overall, err := h.opts.UpstreamHealth(r.Context(), up.GetID())
	if err != nil {
		return 0, nil, err
	}
	body := map[string]any{"next": nil, "node_id": h.opts.Node.NodeID}
	if r.URL.Query().Get("balancer_health") == "1" {
		body["data"] = map[string]any{"id": up.GetID(), "health": overall}
	} else {
		body["data"] = targets
	}
	return http.StatusOK, body, nil
}

// setTargetHealth serves POST /upstreams/{u}/targets/{t}[/{address}]/healthy
// and .../unhealthy: a manual mark on this node's balancer.
func (h *handler) setTargetHealth(healthy bool) handlerFunc {
	return func(r *http.Request, p params) (int, any, error) {
		rd := h.reader()
		up, err := h.find(r.Context(), rd, h.kinds[entity.KindUpstream], p["pid"], nil)
		if err != nil {
			return 0, nil, asNotFound(err)
		}
		fk := &store.ForeignKey{Field: "upstream", ID: up.GetID()}
		t, err := h.find(r.Context(), rd, h.kinds[entity.KindTarget], p["id"], fk)
		if err != nil {
			return 0, nil, asNotFound(err)
		}
		if h.opts.SetTargetHealth == nil {
			return 0, nil, errNoHealth()
		}
		target := t.(*entity.Target).Target
		if err := h.opts.SetTargetHealth(r.Context(), up.GetID(), target, p["address"], healthy); err != nil {
			return 0, nil, errBadRequest("cannot mark %s of upstream %s: %v", target, up.EndpointKey(), err)
		}
		return http.StatusNoContent, nil, nil
	}
}

// healthRoutes registers the upstream health endpoints.
func (h *handler) healthRoutes() {
	h.rt.handle(http.MethodGet, "/upstreams/{pid}/health", h.upstreamHealth)
	for _, state := range []struct {
		name    string
		healthy bool
	}{{"healthy", true}, {"unhealthy", false}} {
		h.rt.handle(http.MethodPost, "/upstreams/{pid}/targets/{id}/"+state.name, h.setTargetHealth(state.healthy))
		h.rt.handle(http.MethodPost, "/upstreams/{pid}/targets/{id}/{address}/"+state.name, h.setTargetHealth(state.healthy))
	}
}
