package entity

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// deltaGen makes random entities over small pools of ids, names and keys,
// so that random changes often collide, dangle or delete what is still
// referenced.
type deltaGen struct{ r *rand.Rand }

func (g deltaGen) id(k Kind) string {
	return fmt.Sprintf("%08d-0000-4000-8000-%012d", len(k), g.r.IntN(12))
}

func (g deltaGen) ref(k Kind) *Ref {
	if g.r.IntN(4) == 0 {
		return nil
	}
	return &Ref{ID: g.id(k)}
}

func (g deltaGen) name(prefix string) string {
	if g.r.IntN(3) == 0 {
		return ""
	}
	return fmt.Sprintf("%s%d", prefix, g.r.IntN(8))
}

// entity returns a random entity, with fields Validate accepts unless bad.
func (g deltaGen) entity(bad bool) Entity {
	switch g.r.IntN(6) {
	case 0:
		s := NewService()
		s.ID, s.Name, s.Host = g.id(KindService), g.name("svc"), "example.com"
		if bad {
			s.Host = ""
		}
		return s
	case 1:
		rt := NewRoute()
		rt.ID, rt.Name, rt.Paths, rt.Service = g.id(KindRoute), g.name("route"), []string{"/p"}, g.ref(KindService)
		if bad {
			rt.Paths = []string{"no-slash"}
		}
		return rt
	case 2:
		c := &Consumer{Username: g.name("user"), CustomID: g.name("custom")}
		c.ID = g.id(KindConsumer)
		if c.Username == "" && c.CustomID == "" {
			c.Username = "someone"
		}
		if bad {
			c.Username, c.CustomID = "", ""
		}
		return c
	case 3:
		ka := &KeyAuth{Key: g.name("key"), Consumer: &Ref{ID: g.id(KindConsumer)}}
		ka.ID = g.id(KindKeyAuth)
		if ka.Key == "" {
			ka.Key = "k"
		}
		if bad {
			ka.Consumer = nil
		}
		return ka
	case 4:
		u := NewUpstream()
		u.ID, u.Name = g.id(KindUpstream), fmt.Sprintf("up%d", g.r.IntN(8))
		if bad {
			u.Name = ""
		}
		return u
	default:
		t := NewTarget()
		t.ID, t.Target, t.Upstream = g.id(KindTarget), fmt.Sprintf("10.0.0.%d:80", g.r.IntN(4)), &Ref{ID: g.id(KindUpstream)}
		if bad {
			t.Target = ""
		}
		return t
	}
}

// merge applies a change to base as a data plane's delta does: upserts
// replace base's entities of their kind and id, deletes remove them, and
// each kind comes out sorted by id.
func merge(base *Config, d *Delta) *Config {
	gone := map[Kind]map[string]bool{}
	mark := func(k Kind, id string) {
		if gone[k] == nil {
			gone[k] = map[string]bool{}
		}
		gone[k][id] = true
	}
	for k, ids := range d.Deletes {
		for _, id := range ids {
			mark(k, id)
		}
	}
	for _, e := range d.Upserts {
		mark(e.EntityKind(), e.GetID())
	}
	out := &Config{}
	for _, k := range Kinds {
		var all []Entity
		for _, e := range base.OfKind(k) {
			if !gone[k][e.GetID()] {
				all = append(all, e)
			}
		}
		for _, e := range d.Upserts {
			if e.EntityKind() == k {
				all = append(all, e)
			}
		}
		slices.SortStableFunc(all, func(a, b Entity) int { return strings.Compare(a.GetID(), b.GetID()) })
		for _, e := range all {
			out.Add(e)
		}
	}
	return out
}

// TestCheckDeltaAgreesWithValidate: over random valid configs and random
// changes to them, the check of a change accepts exactly the results that
// validating the whole config accepts, with and without the entities' own
// fields.
func TestCheckDeltaAgreesWithValidate(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	g := deltaGen{r}
	var accepted, refused int
	for round := 0; round < 3000; round++ {
		// A valid base: random entities, kept while the config stays valid.
		base := &Config{}
		for range 40 {
			next := merge(base, &Delta{Upserts: []Entity{g.entity(false)}})
			if next.Validate() == nil {
				base = next
			}
		}
		d := &Delta{Deletes: map[Kind][]string{}}
		for range 1 + r.IntN(3) {
			d.Upserts = append(d.Upserts, g.entity(r.IntN(10) == 0))
		}
		for range r.IntN(3) {
			k := []Kind{KindService, KindRoute, KindConsumer, KindKeyAuth, KindUpstream, KindTarget}[r.IntN(6)]
			d.Deletes[k] = append(d.Deletes[k], g.id(k))
		}
		got := merge(base, d)
		want := got.Validate() == nil
		if have := got.checkDelta(d, true); have != want {
			t.Fatalf("round %d: checkDelta = %v, Validate accepts = %v (err %v)\nbase %s\nupserts %s\ndeletes %v",
				round, have, want, got.Validate(), dump(base), dump(&Config{}, d.Upserts...), d.Deletes)
		}
		// As a control plane checks its store (no entity's own fields).
		stored := got.validate(func(Entity) bool { return false }) == nil
		if have := got.checkDelta(d, false); have != stored {
			t.Fatalf("round %d: checkDelta without own fields = %v, validate without them accepts = %v\nbase %s\nupserts %s\ndeletes %v",
				round, have, stored, dump(base), dump(&Config{}, d.Upserts...), d.Deletes)
		}
		if want {
			accepted++
		} else {
			refused++
		}
	}
	if accepted < 300 || refused < 300 {
		t.Fatalf("only %d accepted and %d refused changes: the generator does not exercise both", accepted, refused)
	}
}

func dump(c *Config, extra ...Entity) string {
	var b strings.Builder
	show := func(e Entity) { fmt.Fprintf(&b, "\n  %s %+v", e.EntityKind(), e) }
	c.Each(show)
	for _, e := range extra {
		show(e)
	}
	return b.String()
}

// TestCheckWithDeltaListsErrorsAsValidate: a change Check refuses gets the
// whole config's list of errors, as without the delta.
func TestCheckWithDeltaListsErrorsAsValidate(t *testing.T) {
	t.Parallel()
	s := NewService()
	s.ID, s.Name, s.Host = "00000000-0000-4000-8000-000000000001", "a", "example.com"
	rt := NewRoute()
	rt.ID, rt.Paths, rt.Service = "00000000-0000-4000-8000-000000000002", []string{"/"}, &Ref{ID: s.ID}
	base := &Config{Services: []*Service{s}, Routes: []*Route{rt}}
	d := &Delta{Deletes: map[Kind][]string{KindService: {s.ID}}}
	got := merge(base, d)
	_, withDelta := got.Check(Checks{Delta: d})
	_, whole := got.Check(Checks{})
	if withDelta == nil || whole == nil || withDelta.Error() != whole.Error() {
		t.Fatalf("Check with the delta = %v; without = %v; want the same error", withDelta, whole)
	}
	if !strings.Contains(withDelta.Error(), "invalid reference 'service") {
		t.Fatalf("error %q does not name the dangling reference", withDelta)
	}
}

// TestCheckDeltaOfManyUpserts: a delta upserting more entities than the
// unique check compares in a list (it hashes them then) still refuses a
// duplicate among them or against the base, wherever it falls.
func TestCheckDeltaOfManyUpserts(t *testing.T) {
	t.Parallel()
	base := &Config{Consumers: []*Consumer{{Meta: Meta{ID: "00000000-0000-4000-8000-000000000100"}, Username: "base"}}}
	consumers := func(n int) []Entity {
		var out []Entity
		for i := range n {
			out = append(out, &Consumer{Meta: Meta{ID: fmt.Sprintf("00000000-0000-4000-8000-%012d", i+1)}, Username: fmt.Sprintf("u%d", i)})
		}
		return out
	}
	for _, tt := range []struct {
		name string
		edit func(ups []Entity)
		ok   bool
	}{
		{"distinct", func([]Entity) {}, true},
		{"the last two share a username", func(ups []Entity) { ups[19].(*Consumer).Username = "u18" }, false},
		{"the last takes the base's username", func(ups []Entity) { ups[19].(*Consumer).Username = "base" }, false},
		{"the last two share an id", func(ups []Entity) { ups[19].(*Consumer).ID = ups[18].GetID() }, false},
	} {
		ups := consumers(20)
		tt.edit(ups)
		d := &Delta{Upserts: ups}
		_, err := merge(base, d).Check(Checks{Delta: d})
		if (err == nil) != tt.ok {
			t.Errorf("%s: Check = %v, want ok %v", tt.name, err, tt.ok)
		}
	}
}

// TestPatchKindAgreesWithASort: PatchKind's single walk gives what
// filtering base and sorting it with the upserts gives, over random
// lists; a base not in id order is refused and c left as it was.
func TestPatchKindAgreesWithASort(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	id := func(n int) string { return fmt.Sprintf("00000000-0000-4000-8000-%012d", n) }
	for range 500 {
		base := &Config{}
		for n := range 60 {
			if rng.IntN(2) == 0 {
				base.Consumers = append(base.Consumers, &Consumer{Meta: Meta{ID: id(n)}})
			}
		}
		goneSet := map[string]bool{}
		var ups []Entity
		for n := range 60 {
			switch rng.IntN(10) {
			case 0: // deleted (present or not)
				goneSet[id(n)] = true
			case 1: // upserted: new or replacing
				goneSet[id(n)] = true
				ups = append(ups, &Consumer{Meta: Meta{ID: id(n)}, Username: "new"})
			}
		}
		var want []*Consumer
		for _, c := range base.Consumers {
			if !goneSet[c.ID] {
				want = append(want, c)
			}
		}
		for _, e := range ups {
			want = append(want, e.(*Consumer))
		}
		slices.SortFunc(want, func(a, b *Consumer) int { return strings.Compare(a.ID, b.ID) })
		got := &Config{}
		if !got.PatchKind(base, KindConsumer, slices.Sorted(maps.Keys(goneSet)), ups) {
			t.Fatal("PatchKind refused a base in id order")
		}
		if !slices.Equal(got.Consumers, want) {
			t.Fatalf("PatchKind gave %d consumers, want %d (%v vs %v)", len(got.Consumers), len(want), got.Consumers, want)
		}
	}
	unsorted := &Config{Consumers: []*Consumer{{Meta: Meta{ID: id(2)}}, {Meta: Meta{ID: id(1)}}}}
	got := &Config{Consumers: []*Consumer{{Meta: Meta{ID: id(9)}}}}
	if got.PatchKind(unsorted, KindConsumer, []string{id(1)}, nil) || len(got.Consumers) != 1 || got.Consumers[0].ID != id(9) {
		t.Fatalf("PatchKind on a base out of id order: %v", got.Consumers)
	}
}
