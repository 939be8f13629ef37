package prometheus_test

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	prom "github.com/prometheus/client_golang/prometheus"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/plugin"
	"github.com/gantryhq/gantry/internal/plugin/plugintest"
	_ "github.com/gantryhq/gantry/plugins/key-auth"
	"github.com/gantryhq/gantry/plugins/prometheus"
)

// harness runs cfg with a registry whose metrics are gathered by a fresh
// prometheus registry, as the status listener does.
func harness(t *testing.T, cfg *entity.Config) (*plugintest.Harness, *prom.Registry) {
	t.Helper()
	reg := plugin.Bundled(slog.New(slog.DiscardHandler))
	t.Cleanup(func() { _ = reg.Close() })
	pr := prom.NewRegistry()
	pr.MustRegister(prometheus.Collector(reg))
	return plugintest.New(t, cfg, plugintest.WithRegistry(reg)), pr
}

func TestPrometheusReadmeExample(t *testing.T) {
	t.Parallel()
	h, pr := harness(t, plugintest.Basic(plugintest.Example(t, "README.md")))
	h.Do(t, h.Request(t, "POST", "/", strings.NewReader("12345")))
	var got map[string]float64
	waitFor(t, func() bool { got = gather(t, pr); return len(got) == 6 })
	want := map[string]float64{
		`gantry_http_requests_total{code="200",consumer="",route="r",service="svc",source="service"}`: 1,
		`gantry_request_latency_ms{consumer="",route="r",service="svc"}`:                              1,
		`gantry_upstream_latency_ms{consumer="",route="r",service="svc"}`:                             1,
		`gantry_gateway_latency_ms{consumer="",route="r",service="svc"}`:                              1,
		`gantry_bandwidth_bytes{consumer="",direction="ingress",route="r",service="svc"}`:             5,
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v (all: %v)", k, got[k], v, got)
		}
	}
	if eg := got[`gantry_bandwidth_bytes{consumer="",direction="egress",route="r",service="svc"}`]; eg < 50 {
		t.Errorf("egress bytes = %v, want the echoed response's size", eg)
	}
}

func TestPrometheusGatewayAnswersAndConsumers(t *testing.T) {
	t.Parallel()
	cfg := plugintest.Basic(
		plugintest.Plugin("key-auth", nil, plugintest.Scope{}),
		plugintest.Plugin("prometheus", map[string]any{"status_code_metrics": true, "per_consumer": true}, plugintest.Scope{}),
	)
	cfg.Consumers = []*entity.Consumer{plugintest.Consumer("c1", "alice")}
	cred := &entity.KeyAuth{Consumer: plugintest.Ref("c1"), Key: "k"}
	cred.ID = plugintest.ID("k1")
	cfg.KeyAuths = []*entity.KeyAuth{cred}
	h, pr := harness(t, cfg)
	h.Do(t, h.Request(t, "GET", "/", nil)) // 401 from key-auth
	req := h.Request(t, "GET", "/", nil)
	req.Header.Set("apikey", "k")
	h.Do(t, req)
	h.Do(t, req.Clone(req.Context()))
	want := map[string]float64{
		`gantry_http_requests_total{code="200",consumer="alice",route="r",service="svc",source="service"}`: 2,
		`gantry_http_requests_total{code="401",consumer="",route="r",service="svc",source="gantry"}`:       1,
	}
	// The log phase runs after the response: wait for the three records.
	var got map[string]float64
	waitFor(t, func() bool {
		got = gather(t, pr)
		return got[`gantry_http_requests_total{code="200",consumer="alice",route="r",service="svc",source="service"}`] == 2 && len(got) == 2
	})
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
}

func TestPrometheusNothingByDefault(t *testing.T) {
	t.Parallel()
	h, pr := harness(t, plugintest.Basic(plugintest.Plugin("prometheus", nil, plugintest.Scope{})))
	h.Do(t, h.Request(t, "GET", "/", nil))
	time.Sleep(50 * time.Millisecond) // let the log phase run
	if got := gather(t, pr); len(got) != 0 {
		t.Errorf("series without any metric family enabled: %v", got)
	}
}
