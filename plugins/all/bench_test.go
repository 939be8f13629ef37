package all_test

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/plugin"
	"github.com/gantryhq/gantry/internal/plugin/plugintest"
)

// BenchmarkChain measures the per-request cost of a typical chain (cors,
// key-auth, rate-limiting local) through access and header filter, without
// the network: what the proxy adds per request for these plugins.
func BenchmarkChain(b *testing.B) {
	cfg := plugintest.Basic(
		plugintest.Plugin("cors", map[string]any{"origins": []any{"https://app.example.com"}}, plugintest.Scope{}),
		plugintest.Plugin("key-auth", nil, plugintest.Scope{}),
		plugintest.Plugin("rate-limiting", map[string]any{"minute": 1e12}, plugintest.Scope{}),
	)
	cfg.Consumers = []*entity.Consumer{plugintest.Consumer("c1", "alice")}
	cred := &entity.KeyAuth{Consumer: plugintest.Ref("c1"), Key: "secret"}
	cred.ID = plugintest.ID("k1")
	cfg.KeyAuths = []*entity.KeyAuth{cred}
	chains, err := plugin.BuildChains(cfg, plugin.Bundled(nil))
	if err != nil {
		b.Fatal(err)
	}
	chain := chains.Route("r")
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("apikey", "secret")
	req.Header.Set("Origin", "https://app.example.com")
	w := httptest.NewRecorder()
	respHeader := http.Header{}
	ip := netip.MustParseAddr("192.0.2.1")
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		ctx := plugin.AcquireContext(w, req)
		ctx.ClientIP, ctx.Protocol = ip, "http"
		if !chain.Access(ctx) {
			b.Fatalf("request stopped: %d %s", ctx.Response.Status, ctx.Response.Body)
		}
		clear(respHeader)
		ctx.Response = plugin.Response{Status: 200, Header: respHeader}
		chain.HeaderFilter(ctx)
		chain.Log(ctx)
		plugin.ReleaseContext(ctx)
	}
}
