package prometheus

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/gantryhq/gantry/internal/plugin"
)

// sharedKey is where the metrics live in plugin.Shared: one set per node,
// fed by every prometheus instance, surviving config snapshots.
const sharedKey = "prometheus/metrics"

// latencyBuckets are Kong's, in milliseconds.
var latencyBuckets = []float64{1, 2, 5, 7, 10, 15, 20, 30, 50, 75, 100, 200, 500, 750, 1000, 3000, 6000}

// metrics is the node's metric set. Names follow Kong's with the product
// prefix: kong_http_requests_total becomes gantry_http_requests_total,
// kong_kong_latency_ms becomes gantry_gateway_latency_ms.
type metrics struct {
	requests  *prometheus.CounterVec
	request   *prometheus.HistogramVec
	upstream  *prometheus.HistogramVec
	gateway   *prometheus.HistogramVec
	bandwidth *prometheus.CounterVec
}

func newMetrics() *metrics {
	labels := []string{"service", "route", "consumer"}
	return &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gantry_http_requests_total", Help: "HTTP status codes per service/route in Gantry",
		}, []string{"service", "route", "code", "source", "consumer"}),
		request: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "gantry_request_latency_ms", Help: "Total latency incurred during requests for each service/route in Gantry",
			Buckets: latencyBuckets,
		}, labels),
		upstream: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "gantry_upstream_latency_ms", Help: "Latency added by upstream response for each service/route in Gantry",
			Buckets: latencyBuckets,
		}, labels),
		gateway: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "gantry_gateway_latency_ms", Help: "Latency added by Gantry and its plugins for each service/route",
			Buckets: latencyBuckets,
		}, labels),
		bandwidth: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gantry_bandwidth_bytes", Help: "Total bandwidth (ingress/egress) throughput in bytes",
		}, []string{"service", "route", "direction", "consumer"}),
	}
}

// Describe implements prometheus.Collector.
func (m *metrics) Describe(ch chan<- *prometheus.Desc) {
	m.requests.Describe(ch)
	m.request.Describe(ch)
	m.upstream.Describe(ch)
	m.gateway.Describe(ch)
	m.bandwidth.Describe(ch)
}

// Collect implements prometheus.Collector.
func (m *metrics) Collect(ch chan<- prometheus.Metric) {
	m.requests.Collect(ch)
	m.request.Collect(ch)
	m.upstream.Collect(ch)
	m.gateway.Collect(ch)
	m.bandwidth.Collect(ch)
}

// Collector returns the metrics the prometheus plugin records on the node
// of reg, for the status listener's /metrics registry:
//
//	promRegistry.MustRegister(prometheus.Collector(pluginRegistry))
//
// It is the same set whichever snapshot or plugin instance records.
func Collector(reg *plugin.Registry) prometheus.Collector {
	return reg.Shared().Get(sharedKey, func() any { return newMetrics() }).(*metrics)
}
