package snapshot

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/router"
)

// routeChanges agrees with a comparison by id through maps, over random
// removals, additions and replacements of sorted route lists, and gives up
// on unsorted lists and past router.MaxUpdateRoutes.
func TestRouteChangesMatchesAComparisonByID(t *testing.T) {
	t.Parallel()
	rnd := rand.New(rand.NewPCG(1, 2))
	ids := func(rs []*entity.Route) []string {
		out := []string{}
		for _, r := range rs {
			out = append(out, fmt.Sprintf("%s@%p", r.ID, r))
		}
		slices.Sort(out)
		return out
	}
	for round := range 200 {
		var prev []*entity.Route
		for i := range 50 {
			prev = append(prev, &entity.Route{Meta: entity.Meta{ID: fmt.Sprintf("r%03d", i*2)}})
		}
		next := slices.Clone(prev)
		for range rnd.IntN(router.MaxUpdateRoutes / 3) {
			i := rnd.IntN(len(next))
			switch rnd.IntN(3) {
			case 0:
				next = slices.Delete(next, i, i+1)
			case 1:
				r := *next[i]
				next[i] = &r
			default:
				next = append(next, &entity.Route{Meta: entity.Meta{ID: fmt.Sprintf("r%03d", rnd.IntN(100)*2+1)}})
			}
		}
		slices.SortFunc(next, func(a, b *entity.Route) int { return strings.Compare(a.ID, b.ID) })
		next = slices.CompactFunc(next, func(a, b *entity.Route) bool { return a.ID == b.ID })
		removed, added, ok := routeChanges(prev, next)
		if !ok {
			t.Fatalf("round %d: gave up on %d changes at most", round, router.MaxUpdateRoutes)
		}
		// The reference: by id through maps, comparing pointers.
		pm, nm := map[string]*entity.Route{}, map[string]*entity.Route{}
		for _, r := range prev {
			pm[r.ID] = r
		}
		for _, r := range next {
			nm[r.ID] = r
		}
		var wantRemoved, wantAdded []*entity.Route
		for id, r := range pm {
			if nm[id] != r {
				wantRemoved = append(wantRemoved, r)
			}
		}
		for id, r := range nm {
			if pm[id] != r {
				wantAdded = append(wantAdded, r)
			}
		}
		if !slices.Equal(ids(removed), ids(wantRemoved)) || !slices.Equal(ids(added), ids(wantAdded)) {
			t.Fatalf("round %d: removed %v added %v, want %v and %v", round, ids(removed), ids(added), ids(wantRemoved), ids(wantAdded))
		}
	}
	unsorted := []*entity.Route{{Meta: entity.Meta{ID: "b"}}, {Meta: entity.Meta{ID: "a"}}}
	if _, _, ok := routeChanges(unsorted, unsorted); ok {
		t.Fatal("an unsorted list was walked")
	}
	var many []*entity.Route
	for i := range router.MaxUpdateRoutes + 1 {
		many = append(many, &entity.Route{Meta: entity.Meta{ID: fmt.Sprintf("r%04d", i)}})
	}
	if _, _, ok := routeChanges(nil, many); ok {
		t.Fatal("more than router.MaxUpdateRoutes changes did not give up")
	}
}
