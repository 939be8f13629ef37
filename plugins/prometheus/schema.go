package prometheus

// Config is prometheus' configuration, with Kong's field names: each
// family of metrics is opt-in, as in Kong 3.
type Config struct {
	PerConsumer           bool `json:"per_consumer"`
	StatusCodeMetrics     bool `json:"status_code_metrics"`
	LatencyMetrics        bool `json:"latency_metrics"`
	BandwidthMetrics      bool `json:"bandwidth_metrics"`
	UpstreamHealthMetrics bool `json:"upstream_health_metrics"`
	AIMetrics             bool `json:"ai_metrics"`
}

func defaults() *Config { return &Config{} }
