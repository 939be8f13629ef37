// Package prometheus is the prometheus plugin: it records request counts,
// latencies and bandwidth per service, route and (optionally) consumer,
// exposed by the node's /metrics endpoint (see Collector).
package prometheus

import (
	"strconv"

	"github.com/gantryhq/gantry/internal/plugin"
)

// Priority is Kong's priority for prometheus.
const Priority = 13

func init() {
	plugin.Register(plugin.New(plugin.Spec[Config]{
		Name: "prometheus", Version: plugin.BundledVersion, Priority: Priority, Defaults: defaults,
		New: func(cfg *Config, env *plugin.Env) (plugin.Handler, error) {
			m := env.Shared.Get(sharedKey, func() any { return newMetrics() }).(*metrics)
			return &Handler{cfg: cfg, m: m}, nil
		},
		Metrics: Collector,
	}))
}

// Handler records one request per Log call.
type Handler struct {
	cfg *Config
	m   *metrics
}

var _ plugin.Log = (*Handler)(nil)

// Log records the finished request.
func (h *Handler) Log(ctx *plugin.Context) {
	var service, route, consumer string
	if ctx.Service != nil {
		service = name(ctx.Service.Name, ctx.Service.ID)
	}
	if ctx.Route != nil {
		route = name(ctx.Route.Name, ctx.Route.ID)
	}
	if h.cfg.PerConsumer && ctx.Consumer != nil {
		consumer = name(ctx.Consumer.Username, ctx.Consumer.ID)
	}
	if h.cfg.StatusCodeMetrics {
		source := "service"
		if ctx.UpstreamURI == "" {
			source = "gantry"
		}
		h.m.requests.WithLabelValues(service, route, strconv.Itoa(ctx.Response.Status), source, consumer).Inc()
	}
	if h.cfg.LatencyMetrics {
		total, upstream, gateway := ctx.Latencies()
		h.m.request.WithLabelValues(service, route, consumer).Observe(float64(total.Milliseconds()))
		if ctx.UpstreamURI != "" {
			h.m.upstream.WithLabelValues(service, route, consumer).Observe(float64(upstream.Milliseconds()))
		}
		h.m.gateway.WithLabelValues(service, route, consumer).Observe(float64(gateway.Milliseconds()))
	}
	if h.cfg.BandwidthMetrics {
		in := max(ctx.Request.ContentLength, 0)
		h.m.bandwidth.WithLabelValues(service, route, "ingress", consumer).Add(float64(in))
		h.m.bandwidth.WithLabelValues(service, route, "egress", consumer).Add(float64(ctx.ResponseSize))
	}
}

func name(n, id string) string {
	if n != "" {
		return n
	}
	return id
}
