package snapshot_test

import (
	"fmt"
	"testing"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/plugin"
	"github.com/gantryhq/gantry/internal/snapshot"
)

// TestEveryChainInputRebuildsChains adds one entity of each kind to a
// config and checks whether Build rebuilt the plugin chains. Plugins read
// consumers, credentials, ACL groups, certificates and their own entities:
// a kind missing from the reuse rule would keep serving the chains of the
// previous config after a write of that kind (an ACL group added, say,
// not live until some unrelated write). Only upstreams and targets may
// keep the chains. A kind added to the model without a sample here fails.
func TestEveryChainInputRebuildsChains(t *testing.T) {
	t.Parallel()
	var pair [2]string
	pair[0], pair[1] = selfSigned(t, "kinds.example", false)
	const consumerID, certID = "00000000-0000-4000-8000-0000000000c1", "00000000-0000-4000-8000-000000000005"
	id := func(n int) entity.Meta { return entity.Meta{ID: fmt.Sprintf("00000000-0000-4000-8000-%012d", 100+n)} }
	owner := &entity.Ref{ID: consumerID}
	samples := map[entity.Kind]func() entity.Entity{
		entity.KindCACertificate: func() entity.Entity { return &entity.CACertificate{Meta: id(1), Cert: pair[0]} },
		entity.KindCertificate: func() entity.Entity {
			return &entity.Certificate{Meta: id(2), Cert: pair[0], Key: pair[1], SNIs: []string{"two.example"}}
		},
		entity.KindSNI: func() entity.Entity {
			return &entity.SNI{Meta: id(3), Name: "three.example", Certificate: &entity.Ref{ID: certID}}
		},
		entity.KindService: func() entity.Entity {
			s := entity.NewService()
			s.Meta, s.Host = id(4), "other.internal"
			return s
		},
		entity.KindRoute: func() entity.Entity {
			r := entity.NewRoute()
			r.Meta, r.Paths = id(5), []string{"/five"}
			r.Service = &entity.Ref{ID: "00000000-0000-4000-8000-000000000003"}
			return r
		},
		entity.KindUpstream: func() entity.Entity {
			u := entity.NewUpstream()
			u.Meta, u.Name = id(6), "other.internal"
			return u
		},
		entity.KindTarget: func() entity.Entity {
			tg := entity.NewTarget()
			tg.Meta, tg.Target = id(7), "127.0.0.1:9007"
			tg.Upstream = &entity.Ref{ID: "00000000-0000-4000-8000-000000000001"}
			return tg
		},
		entity.KindConsumer: func() entity.Entity { return &entity.Consumer{Meta: id(8), Username: "dave"} },
		entity.KindPlugin: func() entity.Entity {
			return &entity.Plugin{Meta: id(9), Name: "acl", Enabled: true, Config: map[string]any{"allow": []any{"readers"}}}
		},
		entity.KindKeyAuth: func() entity.Entity { return &entity.KeyAuth{Meta: id(10), Consumer: owner, Key: "k"} },
		entity.KindBasicAuth: func() entity.Entity {
			return &entity.BasicAuth{Meta: id(11), Consumer: owner, Username: "u", Password: "p"}
		},
		entity.KindJWT: func() entity.Entity {
			return &entity.JWT{Meta: id(12), Consumer: owner, Key: "iss", Secret: "s", Algorithm: "HS256"}
		},
		entity.KindACL: func() entity.Entity { return &entity.ACL{Meta: id(13), Consumer: owner, Group: "readers"} },
	}
	keeps := map[entity.Kind]bool{entity.KindUpstream: true, entity.KindTarget: true}
	// A route change derives the chains: the changed routes' are resolved
	// again (here /a too, a new entity with the same id), the global
	// chain and every instance are kept.
	derives := map[entity.Kind]bool{entity.KindRoute: true}
	for _, kind := range entity.Kinds {
		t.Run(string(kind), func(t *testing.T) {
			t.Parallel()
			sample, ok := samples[kind]
			if !ok {
				t.Fatalf("no sample entity of kind %s: add one here and decide in reuse.go whether plugin chains read it", kind)
			}
			opts := snapshot.Options{Validated: true, Plugins: &countingBuilder{reg: plugin.Bundled(nil)}}
			base := func() *entity.Config {
				cfg := fixedConfig("/a", "127.0.0.1:9001", "kinds.example", pair)
				cfg.Consumers = []*entity.Consumer{{Meta: entity.Meta{ID: consumerID}, Username: "carol"}}
				return cfg
			}
			prev, err := snapshot.Build(base(), nil, opts)
			if err != nil {
				t.Fatal(err)
			}
			defer prev.Retire(nil)
			cfg := base()
			cfg.Add(sample())
			next, err := snapshot.Build(cfg, prev, opts)
			if err != nil {
				t.Fatal(err)
			}
			defer next.Retire(nil)
			rebuilt := match(next, "/a").Chain != match(prev, "/a").Chain
			global := next.GlobalChain() != prev.GlobalChain()
			switch {
			case derives[kind]:
				if added := match(next, "/five"); !rebuilt || global || added == nil || added.Chain == nil {
					t.Errorf("adding one of %s: route chain rebuilt %v, global rebuilt %v, the new route served with a chain %v; want the changed routes' chains only",
						kind, rebuilt, global, added != nil && added.Chain != nil)
				}
			case keeps[kind] && (rebuilt || global):
				t.Errorf("adding one of %s rebuilt the plugin chains (route: %v, global: %v); only chain inputs should", kind, rebuilt, global)
			case !keeps[kind] && !(rebuilt && global):
				t.Errorf("adding one of %s kept the previous config's plugin chains (route rebuilt: %v, global rebuilt: %v): the write would not reach traffic", kind, rebuilt, global)
			}
		})
	}
}
