package dp

import (
	"context"
	"fmt"
	"testing"

	"github.com/gantryhq/gantry/internal/cluster/clusterpb"
	"github.com/gantryhq/gantry/internal/cluster/wire"
	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/yield"
)

// The agent's config work yields to requests as on a data plane (with one
// P only: `go test -cpu 1`).
func init() { yield.Enable() }

// bigConfig has n routes over n/10 services.
func bigConfig(n int) *entity.Config {
	cfg := &entity.Config{}
	for i := range n / 10 {
		s := entity.NewService()
		s.ID, s.Name, s.Host = fmt.Sprintf("00000000-0000-4000-8000-%012d", i), fmt.Sprintf("svc%d", i), "127.0.0.1"
		cfg.Services = append(cfg.Services, s)
	}
	for i := range n {
		r := entity.NewRoute()
		r.ID = fmt.Sprintf("10000000-0000-4000-8000-%012d", i)
		r.Paths = []string{fmt.Sprintf("/r%d", i)}
		r.Hosts = []string{fmt.Sprintf("h%d.example.com", i%50)}
		r.Service = &entity.Ref{ID: cfg.Services[i%len(cfg.Services)].ID}
		cfg.Routes = append(cfg.Routes, r)
	}
	return cfg
}

// BenchmarkApply10kRoutes measures the data plane's whole apply step for a
// 10,000-route configuration: decompress, decode, validate, build the
// snapshot (router, balancers) and swap, plus writing the cache. All of it
// runs on the agent's goroutine, never on a proxied request's.
func BenchmarkApply10kRoutes(b *testing.B) {
	codec, err := wire.NewCodec(64 << 20)
	if err != nil {
		b.Fatal(err)
	}
	cfgs := [2]*entity.Config{bigConfig(10000), bigConfig(10000)}
	cfgs[1].Routes[0].Paths = []string{"/changed"}
	var full [2]*wire.Encoded
	for i, c := range cfgs {
		full[i], _ = codec.EncodeFull(int64(i+1), c.Hash(), c)
	}
	delta, _ := codec.EncodeDelta(2, cfgs[1].Hash(), deltaOf(b, cfgs[0], cfgs[1]))
	b.Logf("full payload %d bytes compressed, delta %d bytes", len(full[0].Payload), len(delta.Payload))

	b.Run("full", func(b *testing.B) {
		a := testAgent(b)
		i := 0
		for b.Loop() {
			e := full[i%2]
			res := a.applyPush(context.Background(), &clusterpb.ConfigPush{Version: e.Version, Hash: e.Hash, Payload: e.Payload, Checksum: e.Checksum})
			if !res.Ok {
				b.Fatal(res.Error)
			}
			i++
		}
	})
	b.Run("delta", func(b *testing.B) {
		a := testAgent(b)
		base := full[0]
		for b.Loop() {
			b.StopTimer()
			if res := a.applyPush(context.Background(), &clusterpb.ConfigPush{Version: 1, Hash: base.Hash, Payload: base.Payload, Checksum: base.Checksum}); !res.Ok {
				b.Fatal(res.Error)
			}
			b.StartTimer()
			res := a.applyPush(context.Background(), &clusterpb.ConfigPush{Version: 2, Hash: delta.Hash, Delta: true, BaseVersion: 1, BaseHash: base.Hash, Payload: delta.Payload, Checksum: delta.Checksum})
			if !res.Ok || res.Resync {
				b.Fatalf("delta not applied: %+v", res)
			}
		}
	})
}

// BenchmarkDeltaChain10kRoutes applies deltas one after the other on a
// 10,000-route configuration, each on top of the last (what a data plane
// following a busy control plane does).
func BenchmarkDeltaChain10kRoutes(b *testing.B) {
	cfgs := [2]*entity.Config{bigConfig(10000), bigConfig(10000)}
	cfgs[1].Routes[1].Paths = []string{"/changed"}
	pushes := encodePushes(b, cfgs)
	a := testAgent(b)
	if res := a.applyPush(context.Background(), pushes.full[0]); !res.Ok {
		b.Fatal(res.Error)
	}
	i := 1
	for b.Loop() {
		if res := a.applyPush(context.Background(), pushes.next("delta", i)); !res.Ok || res.Resync {
			b.Fatalf("delta not applied: %+v", res)
		}
		i++
	}
}
