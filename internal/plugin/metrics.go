package plugin

import "github.com/prometheus/client_golang/prometheus"

// Collectors are the metrics of r's plugins that record some (Spec.Metrics),
// for the status listener's /metrics, so the node needs to know no plugin
// by name.
func (r *Registry) Collectors() []prometheus.Collector {
	var out []prometheus.Collector
	for _, name := range r.Names() {
		if m := r.plugins[name].metrics; m != nil {
			out = append(out, m(r))
		}
	}
	return out
}
