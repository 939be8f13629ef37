package plugin

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics makes the collector of a plugin that records metrics for the
// node's /metrics (the prometheus plugin). It is called once per node with
// the node's registry, whose Shared state holds what the plugin records.
type Metrics func(r *Registry) prometheus.Collector

var (
	metricsMu sync.Mutex
	metrics   = map[string]Metrics{}
)

// RegisterMetrics declares that plugin name records metrics, collected by
// m. Like Register, it is called from the plugin's init.
func RegisterMetrics(name string, m Metrics) {
	metricsMu.Lock()
	defer metricsMu.Unlock()
	metrics[name] = m
}

// Collectors are the metrics of r's plugins that record some, for the
// status listener's /metrics, so the node needs to know no plugin by name.
func (r *Registry) Collectors() []prometheus.Collector {
	metricsMu.Lock()
	defer metricsMu.Unlock()
	var out []prometheus.Collector
	for _, name := range r.Names() {
		if m, ok := metrics[name]; ok {
			out = append(out, m(r))
		}
	}
	return out
}
