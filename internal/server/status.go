package server

import (
	"encoding/json"
	"errors"
	"net/http"
	"runtime"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// statusHandler serves the status listener: /status, /status/ready,
// /metrics and the read-only upstream endpoints. It reads the node's state
// and never changes it.
func (n *Node) statusHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /status", n.serveStatus)
	mux.HandleFunc("GET /status/ready", n.serveReady)
	mux.Handle("GET /metrics", promhttp.HandlerFor(n.metrics.reg, promhttp.HandlerOpts{}))
	n.registerUpstreams(mux)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "Not found"})
	})
	return mux
}

// statusServer and statusMemory are parts of Kong's /status shape, trimmed
// to what Gantry measures.
type statusServer struct {
	ConnectionsActive   int64 `json:"connections_active"`
	ConnectionsAccepted int64 `json:"connections_accepted"`
	TotalRequests       int64 `json:"total_requests"`
}

type statusMemory struct {
	HeapInUseBytes uint64 `json:"heap_in_use_bytes"`
	SysBytes       uint64 `json:"sys_bytes"`
	Goroutines     int    `json:"goroutines"`
}

func (n *Node) serveStatus(w http.ResponseWriter, r *http.Request) {
	st := n.stats()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	body := map[string]any{
		"configuration_hash": n.hash(),
		"server": statusServer{
			ConnectionsActive:   st.ConnectionsActive,
			ConnectionsAccepted: st.ConnectionsAccepted,
			TotalRequests:       st.TotalRequests,
		},
		"memory":  statusMemory{HeapInUseBytes: ms.HeapInuse, SysBytes: ms.Sys, Goroutines: runtime.NumGoroutine()},
		"node_id": n.id,
		"role":    string(n.settings.Role),
	}
	if n.opts.StatusExtra != nil {
		for k, v := range n.opts.StatusExtra() {
			body[k] = v
		}
	}
	writeJSON(w, http.StatusOK, body)
}

// serveReady answers 200 only when the node can serve (Options.Ready, by
// default configLoaded) and is not draining, so load balancers stop
// sending traffic first.
func (n *Node) serveReady(w http.ResponseWriter, r *http.Request) {
	if n.draining.Load() {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"message": "shutting down"})
		return
	}
	if err := n.opts.Ready(); err != nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"message": err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"message": "ready"})
}

// configLoaded is the default Options.Ready: a non-empty configuration is
// loaded.
func (n *Node) configLoaded() error {
	if n.empty() {
		return errors.New("no configuration available (empty configuration present)")
	}
	return nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
