package all_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/plugin"
	"github.com/gantryhq/gantry/internal/plugin/plugintest"
)

// benchOrigin is the origin the benchmarks' requests come from, so cors
// does its work (it answers nothing to a request without Origin).
const benchOrigin = "https://app.example.com"

// benchConfig is one route with the typical set: key-auth,
// rate-limiting (local, a limit never reached), prometheus and cors; or
// no plugin at all when plugins is false.
func benchConfig(plugins bool) *entity.Config {
	if !plugins {
		return plugintest.Basic()
	}
	cfg := plugintest.Basic(
		plugintest.Plugin("cors", map[string]any{"origins": []any{benchOrigin}}, plugintest.Scope{}),
		plugintest.Plugin("key-auth", nil, plugintest.Scope{}),
		plugintest.Plugin("rate-limiting", map[string]any{"minute": 1e12, "policy": "local"}, plugintest.Scope{}),
		plugintest.Plugin("prometheus", map[string]any{"per_consumer": true}, plugintest.Scope{}),
	)
	cfg.Consumers = []*entity.Consumer{plugintest.Consumer("c1", "alice")}
	cred := &entity.KeyAuth{Consumer: plugintest.Ref("c1"), Key: "secret"}
	cred.ID = plugintest.ID("k1")
	cfg.KeyAuths = []*entity.KeyAuth{cred}
	return cfg
}

// BenchmarkChain measures what the plugin chain alone costs per request
// (rewrite, access, header filter and log; no network), with no plugin and
// with the typical set. allocs/op is the plugins' allocations per request.
func BenchmarkChain(b *testing.B) {
	for _, bc := range []struct {
		name    string
		plugins bool
	}{{"none", false}, {"key-auth+rate-limiting+prometheus+cors", true}} {
		b.Run(bc.name, func(b *testing.B) {
			reg := plugin.Bundled(nil)
			b.Cleanup(func() { _ = reg.Close() })
			chains, err := reg.BuildChains(benchConfig(bc.plugins))
			if err != nil {
				b.Fatal(err)
			}
			chain := chains.Route(plugintest.ID("r"))
			if bc.plugins && chain.Len() != 4 {
				b.Fatalf("chain has %d plugins, want 4", chain.Len())
			}
			req := httptest.NewRequest("GET", "/", nil)
			req.Header.Set("apikey", "secret")
			req.Header.Set("Origin", benchOrigin)
			w := httptest.NewRecorder()
			respHeader := http.Header{}
			ip := netip.MustParseAddr("192.0.2.1")
			b.ReportAllocs()
			for b.Loop() {
				ctx := plugin.AcquireContext(w, req)
				ctx.ClientIP, ctx.Protocol = ip, "http"
				chain.Rewrite(ctx)
				if !chain.Access(ctx) {
					b.Fatalf("request stopped: %d %s", ctx.Response.Status, ctx.Response.Body)
				}
				clear(respHeader)
				ctx.Response = plugin.Response{Status: 200, Header: respHeader}
				chain.HeaderFilter(ctx)
				chain.Log(ctx)
				plugin.ReleaseContext(ctx)
			}
		})
	}
}

// BenchmarkProxy sends requests through the real proxy (plugintest's
// snapshot and internal/proxy on loopback) to a real upstream, with no
// plugin and with the typical set. allocs/op counts everything in the
// process (client, proxy, upstream); the difference between the two is
// what the plugins add per proxied request.
func BenchmarkProxy(b *testing.B) {
	for _, bc := range []struct {
		name    string
		plugins bool
	}{{"none", false}, {"key-auth+rate-limiting+prometheus+cors", true}} {
		b.Run(bc.name, func(b *testing.B) {
			h := plugintest.New(b, benchConfig(bc.plugins), plugintest.WithUpstream(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				_, _ = io.WriteString(w, "ok")
			})))
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
			b.Cleanup(client.CloseIdleConnections)
			req := h.Request(b, "GET", "/", nil)
			req.Header.Set("apikey", "secret")
			req.Header.Set("Origin", benchOrigin)
			b.ReportAllocs()
			for b.Loop() {
				resp, err := client.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					b.Fatalf("status %d", resp.StatusCode)
				}
			}
		})
	}
}
