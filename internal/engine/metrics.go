package engine

import (
	"strconv"

	"github.com/gantryhq/gantry/internal/proxy"
	"github.com/prometheus/client_golang/prometheus"
)

// Collector turns the proxy's counters into metrics at scrape time, so the
// proxy's hot path only bumps its own atomic counters.
func (e *Engine) Collector() prometheus.Collector { return &statsCollector{stats: e.p.Stats} }

var (
	// Not gantry_http_requests_total: that is the prometheus plugin's
	// per-service/route counter (Kong's kong_http_requests_total).
	descRequests = prometheus.NewDesc("gantry_proxy_responses_total",
		"Requests answered by the proxy, by status class (none: ended without a status).", []string{"class"}, nil)
	descConnActive = prometheus.NewDesc("gantry_connections_active",
		"Client connections open on the proxy listeners.", nil, nil)
	descConnAccepted = prometheus.NewDesc("gantry_connections_accepted_total",
		"Client connections accepted by the proxy listeners.", nil, nil)
)

// statsCollector turns the proxy's Stats into metrics at scrape time, so the proxy's
// hot path only bumps its own atomic counters.
type statsCollector struct{ stats func() proxy.Stats }

func (c *statsCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descRequests
	ch <- descConnActive
	ch <- descConnAccepted
}

func (c *statsCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.stats()
	for class, n := range s.ByClass {
		label := "none"
		if class > 0 {
			label = strconv.Itoa(class) + "xx"
		}
		ch <- prometheus.MustNewConstMetric(descRequests, prometheus.CounterValue, float64(n), label)
	}
	ch <- prometheus.MustNewConstMetric(descConnActive, prometheus.GaugeValue, float64(s.ConnectionsActive))
	ch <- prometheus.MustNewConstMetric(descConnAccepted, prometheus.CounterValue, float64(s.ConnectionsAccepted))
}
