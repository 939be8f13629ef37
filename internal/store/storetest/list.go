package storetest

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/store"
)

func testPagination(t *testing.T, h Harness) {
	s := h.New(t)
	var want []string
	for i := range 25 {
		svc := service(fmt.Sprintf("page-%02d", i))
		mustInsert(t, s, svc)
		want = append(want, svc.ID)
	}
	slices.Sort(want)

	var sizes []int
	var got []string
	opts := store.ListOptions{Size: 10}
	for {
		p, err := s.List(ctx(t), entity.KindService, opts)
		if err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, len(p.Items))
		got = append(got, ids(p.Items)...)
		if p.Next == "" {
			break
		}
		opts.Offset = p.Next
	}
	if !slices.Equal(sizes, []int{10, 10, 5}) {
		t.Fatalf("page sizes %v, want [10 10 5]", sizes)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("pages do not list every id once in id order:\n got %v\nwant %v", got, want)
	}

	t.Run("default size", func(t *testing.T) {
		p, err := s.List(ctx(t), entity.KindService, store.ListOptions{})
		if err != nil || len(p.Items) != 25 || p.Next != "" {
			t.Fatalf("got %d items, next %q, err %v", len(p.Items), p.Next, err)
		}
	})
	t.Run("exact multiple has no empty last page", func(t *testing.T) {
		p, err := s.List(ctx(t), entity.KindService, store.ListOptions{Size: 25})
		if err != nil || len(p.Items) != 25 || p.Next != "" {
			t.Fatalf("got %d items, next %q, err %v", len(p.Items), p.Next, err)
		}
	})
	t.Run("stable while writing", func(t *testing.T) {
		p1, err := s.List(ctx(t), entity.KindService, store.ListOptions{Size: 10})
		if err != nil {
			t.Fatal(err)
		}
		// Deleting an entity of the first page does not shift the second.
		if err := s.Delete(ctx(t), entity.KindService, p1.Items[0].GetID()); err != nil {
			t.Fatal(err)
		}
		p2, err := s.List(ctx(t), entity.KindService, store.ListOptions{Size: 10, Offset: p1.Next})
		if err != nil || !slices.Equal(ids(p2.Items), want[10:20]) {
			t.Fatalf("second page %v (%v), want %v", ids(p2.Items), err, want[10:20])
		}
	})
	t.Run("invalid offset", func(t *testing.T) {
		for _, off := range []string{"%%%", "!not-base64", "garbage", "bm90LWEtdXVpZA"} { // the last: base64 of "not-a-uuid"
			if _, err := s.List(ctx(t), entity.KindService, store.ListOptions{Offset: off}); !errors.Is(err, store.ErrInvalidOffset) {
				t.Fatalf("offset %q: %v, want ErrInvalidOffset", off, err)
			}
		}
	})
}

func testTags(t *testing.T, h Harness) {
	s := h.New(t)
	a := service("a", "a")
	ab := service("ab", "a", "b")
	b := service("b", "b")
	c := service("c", "c")
	none := service("none")
	mustInsert(t, s, a, ab, b, c, none)
	byName := func(es []entity.Entity) []string {
		var out []string
		for _, e := range es {
			out = append(out, e.(*entity.Service).Name)
		}
		slices.Sort(out)
		return out
	}
	tests := []struct {
		name string
		opts store.ListOptions
		want []string
	}{
		{"one tag", store.ListOptions{Tags: []string{"a"}}, []string{"a", "ab"}},
		{"all of", store.ListOptions{Tags: []string{"a", "b"}}, []string{"ab"}},
		{"any of", store.ListOptions{Tags: []string{"a", "b"}, TagsOr: true}, []string{"a", "ab", "b"}},
		{"any of across pages", store.ListOptions{Tags: []string{"a", "b", "c"}, TagsOr: true, Size: 1}, []string{"a", "ab", "b", "c"}},
		{"all of across pages", store.ListOptions{Tags: []string{"b"}, Size: 1}, []string{"ab", "b"}},
		{"repeated tag", store.ListOptions{Tags: []string{"a", "a"}}, []string{"a", "ab"}},
		{"unknown tag", store.ListOptions{Tags: []string{"zzz"}}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := byName(listAll(t, s, entity.KindService, tc.opts))
			if !slices.Equal(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
	t.Run("tags of other kinds do not leak", func(t *testing.T) {
		mustInsert(t, s, &entity.Consumer{Username: "tagged", Meta: entity.Meta{Tags: []string{"a"}}})
		if got := byName(listAll(t, s, entity.KindService, store.ListOptions{Tags: []string{"a"}})); len(got) != 2 {
			t.Fatalf("services tagged a: %v", got)
		}
	})
}

func testForeignKeyFilter(t *testing.T, h Harness) {
	s := h.New(t)
	f := seed(t, s, "one")
	g := seed(t, s, "two")
	r2 := route("one-b", f.Service)
	r2.Tags = []string{"x"}
	mustInsert(t, s, r2)
	p := plugin("cors")
	p.Service = ref(f.Service)
	mustInsert(t, s, p, target(f.Upstream, "10.0.0.2:80"))
	tests := []struct {
		name string
		kind entity.Kind
		opts store.ListOptions
		want []string
	}{
		{"routes of a service", entity.KindRoute, store.ListOptions{ForeignKey: &store.ForeignKey{Field: "service", ID: f.Service.ID}}, sorted(f.Route.ID, r2.ID)},
		{"routes of a service, tagged", entity.KindRoute, store.ListOptions{Tags: []string{"x"}, ForeignKey: &store.ForeignKey{Field: "service", ID: f.Service.ID}}, []string{r2.ID}},
		{"routes of a service, paged", entity.KindRoute, store.ListOptions{Size: 1, ForeignKey: &store.ForeignKey{Field: "service", ID: f.Service.ID}}, sorted(f.Route.ID, r2.ID)},
		{"plugins of a service", entity.KindPlugin, store.ListOptions{ForeignKey: &store.ForeignKey{Field: "service", ID: f.Service.ID}}, []string{p.ID}},
		{"plugins of a route", entity.KindPlugin, store.ListOptions{ForeignKey: &store.ForeignKey{Field: "route", ID: g.Route.ID}}, []string{g.Plugin.ID}},
		{"plugins of a consumer", entity.KindPlugin, store.ListOptions{ForeignKey: &store.ForeignKey{Field: "consumer", ID: f.Consumer.ID}}, []string{f.Plugin.ID}},
		{"targets of an upstream", entity.KindTarget, store.ListOptions{ForeignKey: &store.ForeignKey{Field: "upstream", ID: g.Upstream.ID}}, []string{g.Target.ID}},
		{"key-auth of a consumer", entity.KindKeyAuth, store.ListOptions{ForeignKey: &store.ForeignKey{Field: "consumer", ID: g.Consumer.ID}}, []string{g.KeyAuth.ID}},
		{"snis of a certificate", entity.KindSNI, store.ListOptions{ForeignKey: &store.ForeignKey{Field: "certificate", ID: f.Cert.ID}}, []string{f.SNI.ID}},
		{"nothing references a missing id", entity.KindRoute, store.ListOptions{ForeignKey: &store.ForeignKey{Field: "service", ID: "0d7e4f52-3b7a-4a9e-8d3c-111111111111"}}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := ids(listAll(t, s, tc.kind, tc.opts)); !slices.Equal(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
	t.Run("unknown reference field", func(t *testing.T) {
		if _, err := s.List(ctx(t), entity.KindService, store.ListOptions{ForeignKey: &store.ForeignKey{Field: "route", ID: f.Route.ID}}); err == nil {
			t.Fatal("services filtered by route: no error")
		}
	})
}

func sorted(v ...string) []string {
	slices.Sort(v)
	return v
}
