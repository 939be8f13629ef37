package balancer

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/testutil/fixture"
)

// benchTargets is 100 IP targets with mixed weights.
func benchTargets() []*entity.Target {
	var pairs []any
	for i := range 100 {
		pairs = append(pairs, "10.1."+strconv.Itoa(i/250)+"."+strconv.Itoa(i%250+1)+":8080", 50+i%4*50)
	}
	return targets(pairs...)
}

func benchPick(b *testing.B, up *entity.Upstream, in func(i int) *PickInput) {
	bal, err := New(up, benchTargets(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer bal.Close()
	inputs := make([]*PickInput, 1024)
	for i := range inputs {
		inputs[i] = in(i)
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			p, err := bal.Pick(inputs[i%len(inputs)])
			if err != nil {
				b.Error(err)
				return
			}
			bal.Done(p, Result{Status: 200, LatencyMS: 1})
			i++
		}
	})
}

func BenchmarkPickRoundRobin(b *testing.B) {
	up := fixture.Upstream("backend", passiveChecks) // health checks on: Done does its counting
	benchPick(b, up, func(int) *PickInput { return &PickInput{} })
}

func BenchmarkPickConsistentHash(b *testing.B) {
	up := fixture.Upstream("backend", func(u *entity.Upstream) {
		u.Algorithm, u.HashOn, u.HashOnHeader = "consistent-hashing", "header", "x-user"
		passiveChecks(u)
	})

	benchPick(b, up, func(i int) *PickInput {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("X-User", "user-"+strconv.Itoa(i))
		return &PickInput{Request: r}
	})
}

func BenchmarkPickLeastConnections(b *testing.B) {
	benchPick(b, fixture.Upstream("backend", leastConnections), func(int) *PickInput { return &PickInput{} })
}

func BenchmarkNewConsistentHash(b *testing.B) {
	up := fixture.Upstream("backend", func(u *entity.Upstream) { u.Algorithm = "consistent-hashing" })
	ts := benchTargets()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := New(up, ts, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
