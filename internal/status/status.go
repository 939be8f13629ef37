// Package status serves a node's status listener: /status, /status/ready,
// /metrics, and what a component adds (the proxy's read-only upstream
// endpoints). It reads the node's state and never changes it.
package status

import (
	"encoding/json"
	"errors"
	"net/http"
	"runtime"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Server is the proxy's counters shown in /status (zero on a control plane,
// which proxies nothing).
type Server struct {
	ConnectionsActive   int64 `json:"connections_active"`
	ConnectionsAccepted int64 `json:"connections_accepted"`
	TotalRequests       int64 `json:"total_requests"`
}

// Options says where the status listener reads the node's state.
type Options struct {
	NodeID string
	Role   string
	// Current is the running configuration (zero before the first).
	Current func() entity.Valid
	// Server returns the proxy's counters; nil shows zeros.
	Server func() Server
	// Ready decides /status/ready; nil means "a non-empty configuration is
	// loaded". A database-backed node is ready once its database answers,
	// even before the first entity exists, as Kong's is. A non-nil error
	// is the reason it is not ready.
	Ready func() error
	// Draining reports whether the node is stopping: /status/ready then
	// answers 503, so load balancers stop sending traffic first.
	Draining func() bool
	// Extra adds fields to GET /status (a data plane's config version and
	// control-plane connection, a database's reachability). Called on
	// every request.
	Extra func() map[string]any
	// Collectors are served on /metrics next to the Go runtime's and the
	// process's.
	Collectors []prometheus.Collector
	// Routes adds endpoints to the mux (the proxy's upstream health).
	Routes func(mux *http.ServeMux)
}

// Handler returns the status listener's handler; it fails only when two
// collectors clash.
func Handler(o Options) (http.Handler, error) {
	reg := prometheus.NewRegistry()
	if err := reg.Register(collectors.NewGoCollector()); err != nil {
		return nil, err
	}
	if err := reg.Register(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})); err != nil {
		return nil, err
	}
	for _, c := range o.Collectors {
		if err := reg.Register(c); err != nil {
			return nil, errors.Join(errors.New("register metrics"), err)
		}
	}
	if o.Ready == nil {
		o.Ready = o.configLoaded
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /status", o.serveStatus)
	mux.HandleFunc("GET /status/ready", o.serveReady)
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	if o.Routes != nil {
		o.Routes(mux)
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "Not found"})
	})
	return mux, nil
}

// statusMemory is part of Kong's /status shape, trimmed to what Gantry
// measures.
type statusMemory struct {
	HeapInUseBytes uint64 `json:"heap_in_use_bytes"`
	SysBytes       uint64 `json:"sys_bytes"`
	Goroutines     int    `json:"goroutines"`
}

func (o *Options) serveStatus(w http.ResponseWriter, r *http.Request) {
	var srv Server
	if o.Server != nil {
		srv = o.Server()
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	body := map[string]any{
		"configuration_hash": o.Current().Hash(),
		"server":             srv,
		"memory":             statusMemory{HeapInUseBytes: ms.HeapInuse, SysBytes: ms.Sys, Goroutines: runtime.NumGoroutine()},
		"node_id":            o.NodeID,
		"role":               o.Role,
	}
	if o.Extra != nil {
		for k, v := range o.Extra() {
			body[k] = v
		}
	}
	writeJSON(w, http.StatusOK, body)
}

// serveReady answers 200 only when the node can serve and is not draining.
func (o *Options) serveReady(w http.ResponseWriter, r *http.Request) {
	if o.Draining != nil && o.Draining() {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"message": "shutting down"})
		return
	}
	if err := o.Ready(); err != nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"message": err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"message": "ready"})
}

// configLoaded is the default Ready: a non-empty configuration is loaded.
func (o *Options) configLoaded() error {
	if cfg := o.Current().Config(); cfg == nil || cfg.Empty() {
		return errors.New("no configuration available (empty configuration present)")
	}
	return nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
