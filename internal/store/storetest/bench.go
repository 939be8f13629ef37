package storetest

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/uuid"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/store"
)

// BenchmarkInsert measures inserting services (with two tags) one by one.
func BenchmarkInsert(b *testing.B, s store.Store) {
	ctx := context.Background()
	i := 0
	for b.Loop() {
		i++
		if err := s.Insert(ctx, service(fmt.Sprintf("bench-%d", i), "a", "b")); err != nil {
			b.Fatal(err)
		}
	}
	reportOps(b)
}

// BenchmarkGet measures reading a service by name among 1000.
func BenchmarkGet(b *testing.B, s store.Store) {
	ctx := context.Background()
	fill(b, s, 1000)
	i := 0
	for b.Loop() {
		i++
		if _, err := s.Get(ctx, entity.KindService, fmt.Sprintf("svc-%d", i%1000)); err != nil {
			b.Fatal(err)
		}
	}
	reportOps(b)
}

// BenchmarkList measures reading a page of 100 services filtered by tag.
func BenchmarkList(b *testing.B, s store.Store) {
	ctx := context.Background()
	fill(b, s, 1000)
	for b.Loop() {
		p, err := s.List(ctx, entity.KindService, store.ListOptions{Size: 100, Tags: []string{"even"}})
		if err != nil || len(p.Items) != 100 {
			b.Fatalf("list: %d items, %v", len(p.Items), err)
		}
	}
	reportOps(b)
}

// BenchmarkImport measures importing 1000 services with a route each into
// an empty database; newStore gives a fresh store per iteration.
func BenchmarkImport(b *testing.B, newStore func() store.Store) {
	for b.Loop() {
		b.StopTimer()
		s := newStore()
		cfg := &entity.Config{}
		for i := range 1000 {
			svc := service(fmt.Sprintf("svc-%d", i), "t")
			svc.ID = uuid.NewString()
			cfg.Services = append(cfg.Services, svc)
			cfg.Routes = append(cfg.Routes, route(fmt.Sprintf("route-%d", i), svc))
		}
		b.StartTimer()
		if err := s.Import(context.Background(), cfg); err != nil {
			b.Fatal(err)
		}
	}
	if sec := b.Elapsed().Seconds(); sec > 0 {
		b.ReportMetric(float64(2000*b.N)/sec, "entities/s")
	}
}

// fill imports n services in one transaction, half of them tagged "even".
func fill(b *testing.B, s store.Store, n int) {
	cfg := &entity.Config{}
	for i := range n {
		tag := "odd"
		if i%2 == 0 {
			tag = "even"
		}
		cfg.Services = append(cfg.Services, service(fmt.Sprintf("svc-%d", i), tag))
	}
	if err := s.Import(context.Background(), cfg); err != nil {
		b.Fatal(err)
	}
}

func reportOps(b *testing.B) {
	if sec := b.Elapsed().Seconds(); sec > 0 {
		b.ReportMetric(float64(b.N)/sec, "ops/s")
	}
}

// Bench runs the benchmarks above as sub-benchmarks (Insert, Get, List,
// Import), each on fresh stores from open, so every backend measures the
// same things under the same names.
func Bench(b *testing.B, open func(testing.TB) store.Store) {
	b.Run("Insert", func(b *testing.B) { BenchmarkInsert(b, open(b)) })
	b.Run("Get", func(b *testing.B) { BenchmarkGet(b, open(b)) })
	b.Run("List", func(b *testing.B) { BenchmarkList(b, open(b)) })
	b.Run("Import", func(b *testing.B) { BenchmarkImport(b, func() store.Store { return open(b) }) })
}
