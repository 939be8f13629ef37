package server

import (
	"fmt"
	"strconv"

	"github.com/gantryhq/gantry/internal/proxy"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// metrics is the node's Prometheus registry: its own, never the global one,
// so several nodes in one test process do not collide.
type metrics struct {
	reg      *prometheus.Registry
	reloads  *prometheus.CounterVec
	hashInfo *prometheus.GaugeVec
}

func newMetrics(stats func() proxy.Stats, extra ...prometheus.Collector) (*metrics, error) {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gantry_config_reloads_total",
			Help: "Configuration loads applied (result=ok) or rejected (result=failed), the first one included.",
		}, []string{"result"}),
		hashInfo: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "gantry_config_hash_info",
			Help: "Always 1; the hash label is the configuration currently served.",
		}, []string{"hash"}),
	}
	m.reloads.WithLabelValues("ok")
	m.reloads.WithLabelValues("failed")
	m.reg.MustRegister(m.reloads, m.hashInfo, &statsCollector{stats: stats},
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	for _, c := range extra {
		if err := m.reg.Register(c); err != nil {
			return nil, fmt.Errorf("register metrics: %w", err)
		}
	}
	return m, nil
}

// setHash records the configuration now served.
func (m *metrics) setHash(hash string) {
	m.hashInfo.Reset()
	m.hashInfo.WithLabelValues(hash).Set(1)
}

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
