package router

import (
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/gantryhq/gantry/internal/entity"
)

// routes10k is a config of 10,000 routes shaped like a large real one:
// mostly host+prefix routes, some host-less prefixes, regexes, wildcard
// hosts and header routes.
func routes10k() ([]*entity.Route, []*entity.Service) {
	svc := entity.NewService()
	svc.ID = "11111111-0000-4000-8000-000000000000"
	svc.Path = "/"
	ref := &entity.Ref{ID: svc.ID}
	var rs []*entity.Route
	add := func(name string, set func(r *entity.Route)) {
		rs = append(rs, route(name, with(set, func(r *entity.Route) { r.Service = ref })))
	}
	for i := range 6000 {
		add(fmt.Sprintf("host-%d", i), with(hosts(fmt.Sprintf("svc%d.example.com", i)), paths(fmt.Sprintf("/v1/%d", i), "/v2/")))
	}
	for i := range 2000 {
		add(fmt.Sprintf("prefix-%d", i), paths(fmt.Sprintf("/p%d/", i)))
	}
	for i := range 1000 {
		add(fmt.Sprintf("regex-%d", i), paths(fmt.Sprintf(`~/r%d/(?<id>\d+)$`, i)))
	}
	for i := range 500 {
		add(fmt.Sprintf("wild-%d", i), hosts(fmt.Sprintf("*.w%d.example.com", i)))
	}
	for i := range 500 {
		add(fmt.Sprintf("header-%d", i), with(headers("x-tenant", fmt.Sprint(i)), paths("/t")))
	}
	return rs, []*entity.Service{svc}
}

func BenchmarkMatch10k(b *testing.B) {
	rs, ss := routes10k()
	r, err := New(rs, ss)
	if err != nil {
		b.Fatal(err)
	}
	cases := []struct {
		name string
		req  Request
		want string // route name, "" for a miss
	}{
		{"host+prefix hit", Request{Method: "GET", Host: "svc4321.example.com", Path: "/v1/4321/items"}, "host-4321"},
		{"host-less prefix hit", Request{Method: "GET", Host: "unknown.org", Path: "/p1234/x"}, "prefix-1234"},
		{"regex hit", Request{Method: "GET", Host: "unknown.org", Path: "/r777/42"}, "regex-777"},
		{"wildcard host hit", Request{Method: "GET", Host: "a.w250.example.com", Path: "/x"}, "wild-250"},
		{"header hit", Request{Method: "GET", Path: "/t", Headers: http.Header{"X-Tenant": {"499"}}}, "header-499"},
		{"miss unknown host", Request{Method: "GET", Host: "nothing.org", Path: "/nothing"}, ""},
		{"miss known host wrong path", Request{Method: "GET", Host: "svc1.example.com", Path: "/zzz"}, ""},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			var m Match
			ok := r.MatchInto(&tc.req, &m)
			if got := m.Route; (tc.want == "") != !ok || (ok && got.Name != tc.want) {
				b.Fatalf("matched %v, want %q", got, tc.want)
			}
			b.ReportAllocs()
			for b.Loop() {
				r.MatchInto(&tc.req, &m)
			}
		})
	}
	b.Run("Match allocating result", func(b *testing.B) {
		req := cases[0].req
		b.ReportAllocs()
		for b.Loop() {
			r.Match(&req)
		}
	})
}

func BenchmarkNew10k(b *testing.B) {
	rs, ss := routes10k()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := New(rs, ss); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRebuild10k(b *testing.B) {
	rs, ss := routes10k()
	prev, err := New(rs, ss)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := prev.Rebuild(rs, ss); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUpdate10k changes one route of 10,000 (a new path) with Update,
// against Rebuild of the whole set with the same change.
func BenchmarkUpdate10k(b *testing.B) {
	rs, ss := routes10k()
	r, err := New(rs, ss)
	if err != nil {
		b.Fatal(err)
	}
	byID := map[string]*entity.Service{}
	for _, s := range ss {
		byID[s.ID] = s
	}
	changed := *rs[5000]
	changed.Paths = []string{"/changed"}
	next := slices.Clone(rs)
	next[5000] = &changed
	b.Run("update", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			u, err := r.Update([]*entity.Route{rs[5000]}, []*entity.Route{&changed}, func(id string) *entity.Service { return byID[id] })
			if err != nil || u == nil {
				b.Fatalf("Update: %v, %v", u, err)
			}
		}
	})
	b.Run("rebuild", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := r.Rebuild(next, ss); err != nil {
				b.Fatal(err)
			}
		}
	})
}
