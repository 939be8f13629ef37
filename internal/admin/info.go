package admin

import (
	"encoding/json"
	"maps"
	"net/http"
	"runtime"
	"slices"
	"strings"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/store"
)

// root answers GET / in Kong's shape.
func (h *handler) root(r *http.Request, _ params) (int, any, error) {
	n := h.opts.Node
	available := map[string]any{}
	for name, p := range n.Plugins {
		available[name] = p
	}
	enabled, err := h.enabledInCluster(r)
	if err != nil {
		// The node answers without its database: GET / is what a client
		// asks first, and a load balancer's check.
		h.log.Warn("GET /: cannot list the plugins enabled in the cluster; answering without them", "error", err)
		enabled = []string{}
	}
	return http.StatusOK, map[string]any{
		"tagline":        "Welcome to gantry",
		"version":        n.Version,
		"gantry_version": n.GantryVersion,
		"edition":        "community",
		"hostname":       n.Hostname,
		"node_id":        n.NodeID,
		"configuration":  redact(n.Configuration),
		"plugins": map[string]any{
			"available_on_server": available,
			"enabled_in_cluster":  enabled,
		},
	}, nil
}

// enabledInCluster lists the distinct names of configured plugins.
func (h *handler) enabledInCluster(r *http.Request) ([]string, error) {
	seen := map[string]bool{}
	opts := store.ListOptions{Size: maxPageSize}
	rd := h.reader()
	for {
		page, err := rd.List(r.Context(), entity.KindPlugin, opts)
		if err != nil {
			return nil, err
		}
		for _, e := range page.Items {
			seen[e.(*entity.Plugin).Name] = true
		}
		if page.Next == "" {
			break
		}
		opts.Offset = page.Next
	}
	names := slices.Sorted(maps.Keys(seen))
	if names == nil {
		names = []string{}
	}
	return names, nil
}

// secretWords mark configuration keys whose values must never be shown.
var secretWords = []string{"password", "secret", "key", "token", "credential"}

// redact copies cfg, replacing values of secret-looking keys. The caller
// redacts already; this is the second lock on the door.
func redact(cfg map[string]any) map[string]any {
	out := make(map[string]any, len(cfg))
	for k, v := range cfg {
		lk := strings.ToLower(k)
		secret := false
		for _, w := range secretWords {
			secret = secret || strings.Contains(lk, w)
		}
		if secret && v != nil && v != "" {
			v = "******"
		}
		out[k] = v
	}
	return out
}

// status answers GET /status: database reachability, memory, and on
// DB-less nodes the hash of the running configuration.
func (h *handler) status(r *http.Request, _ params) (int, any, error) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	body := map[string]any{
		"server": map[string]any{"goroutines": runtime.NumGoroutine()},
		"memory": map[string]any{
			"heap_alloc_bytes": ms.HeapAlloc,
			"sys_bytes":        ms.Sys,
		},
	}
	if h.opts.Store != nil {
		_, err := h.opts.Store.Revision(r.Context())
		body["database"] = map[string]any{"reachable": err == nil}
		if err != nil {
			h.log.Warn("database unreachable", "err", err)
		}
	} else {
		body["database"] = map[string]any{"reachable": true}
		if h.opts.CurrentConfig != nil {
			_, hash := h.opts.CurrentConfig()
			body["configuration_hash"] = hash
		}
	}
	return http.StatusOK, body, nil
}

// pluginsEnabled answers GET /plugins/enabled: the plugins this node loads.
func (h *handler) pluginsEnabled(*http.Request, params) (int, any, error) {
	names := slices.Sorted(maps.Keys(h.opts.Node.Plugins))
	if names == nil {
		names = []string{}
	}
	return http.StatusOK, map[string]any{"enabled_plugins": names}, nil
}

func (h *handler) requireCP() error {
	if h.opts.Role == RoleControlPlane {
		return nil
	}
	return errBadRequest("this endpoint is only available on a control plane (role = control_plane); this node runs as %s", h.opts.Role)
}

// dataPlanes answers GET /clustering/data-planes on a control plane.
func (h *handler) dataPlanes(r *http.Request, _ params) (int, any, error) {
	if err := h.requireCP(); err != nil {
		return 0, nil, err
	}
	list := []any{}
	if h.opts.DataPlanes != nil {
		dps, err := h.opts.DataPlanes(r.Context())
		if err != nil {
			return 0, nil, err
		}
		list = append(list, dps...)
	}
	return http.StatusOK, map[string]any{"data": list, "next": nil}, nil
}

// clusteringStatus answers the deprecated GET /clustering/status: the same
// data planes keyed by node id.
func (h *handler) clusteringStatus(r *http.Request, p params) (int, any, error) {
	status, body, err := h.dataPlanes(r, p)
	if err != nil {
		return 0, nil, err
	}
	out := map[string]any{}
	for _, dp := range body.(map[string]any)["data"].([]any) {
		var m map[string]any
		if data, err := json.Marshal(dp); err == nil && json.Unmarshal(data, &m) == nil {
			if id, ok := m["id"].(string); ok {
				out[id] = m
			}
		}
	}
	return status, out, nil
}
