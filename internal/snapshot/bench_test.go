package snapshot_test

import (
	"strconv"
	"testing"

	"github.com/google/uuid"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/snapshot"
	"github.com/gantryhq/gantry/internal/testutil/fixture"
)

// bigConfig has n services, each with one route and an upstream of two
// targets: the shape of a large Kong deployment.
func bigConfig(n int) *entity.Config {
	cfg := &entity.Config{}
	for i := range n {
		name := "svc" + strconv.Itoa(i) + ".internal"
		up, targets := upstream(name, "10.0."+strconv.Itoa(i/250)+"."+strconv.Itoa(i%250)+":8080", "127.0.0.1:"+strconv.Itoa(10000+i))
		svc := fixture.Service(name)
		r := fixture.Route(svc, []string{"/api/v1/svc" + strconv.Itoa(i)})
		r.Hosts = []string{"api" + strconv.Itoa(i%10) + ".example.com"}
		cfg.Services = append(cfg.Services, svc)
		cfg.Routes = append(cfg.Routes, r)
		cfg.Upstreams = append(cfg.Upstreams, up)
		cfg.Targets = append(cfg.Targets, targets...)
	}
	return cfg
}

// BenchmarkBuild measures building a 10,000-route snapshot on top of the
// previous one (balancers handed over), hash included.
func BenchmarkBuild(b *testing.B) {
	cfg := bigConfig(10000)
	prev, err := snapshot.Build(cfg, nil, snapshot.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer prev.Retire(nil)
	b.ReportAllocs()
	for b.Loop() {
		next, err := snapshot.Build(cfg, prev, snapshot.Options{Hash: uuid.NewString()})
		if err != nil {
			b.Fatal(err)
		}
		prev.Retire(next)
		prev = next
	}
}
