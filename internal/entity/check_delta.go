package entity

import (
	"slices"
	"sort"
)

// Delta says how a config was made from a valid one (or an empty one):
// Upserts added or put in place of its entities of the same kind and id,
// and Deletes removed. Check then checks the result in proportion to the
// change (see checkDelta).
type Delta struct {
	Upserts []Entity
	Deletes map[Kind][]string
}

// checkDelta reports whether c, made from a valid config as d says, is
// valid, looking only at what the change can break:
//   - with ownFields, the upserts' own fields, and every certificate's
//     (their validity depends on the clock);
//   - ids and unique fields: the upserts against each other and against
//     the other entities of their kinds;
//   - references: the upserts' must resolve in c, and nothing in c may
//     still point at a deleted id.
//
// It never says true for a config Validate refuses; when it says false,
// the caller validates the whole config for the list of errors.
func (c *Config) checkDelta(d *Delta, ownFields bool) bool {
	fresh := make(map[Entity]bool, len(d.Upserts))
	byKind := map[Kind][]Entity{}
	for _, e := range d.Upserts {
		if isNil(e) || e.GetID() == "" || ownFields && len(Validate(e)) > 0 {
			return false
		}
		fresh[e] = true
		byKind[e.EntityKind()] = append(byKind[e.EntityKind()], e)
	}
	for _, cert := range c.Certificates {
		if ownFields && !fresh[cert] && len(Validate(cert)) > 0 {
			return false
		}
	}
	for _, ca := range c.CACertificates {
		if ownFields && !fresh[ca] && len(Validate(ca)) > 0 {
			return false
		}
	}
	for k, ups := range byKind {
		if !c.uniqueAgainst(k, ups, fresh) {
			return false
		}
	}
	ids := idLookup{c: c}
	for _, e := range d.Upserts {
		for _, r := range References(e) {
			if *r.ID != "" && !ids.has(r.Kind, *r.ID) {
				return false
			}
		}
	}
	return c.noneRefersTo(d.Deletes, &ids)
}

// uniqueAgainst reports whether the upserts of kind k (ups, all in fresh)
// have distinct ids and unique fields, among themselves and against c's
// other entities of that kind. A few values are compared in a list, more
// hashed into a map: most deltas upsert one entity or two, and the walk
// over the kind's others is then the cost.
func (c *Config) uniqueAgainst(k Kind, ups []Entity, fresh map[Entity]bool) bool {
	type key struct{ field, value string }
	var (
		list []key
		set  map[key]bool
	)
	has := func(k key) bool {
		if set != nil {
			return set[k]
		}
		return slices.Contains(list, k)
	}
	hold := func(k key) bool {
		if has(k) {
			return false
		}
		switch {
		case set != nil:
			set[k] = true
		case len(list) < 8:
			list = append(list, k)
		default:
			set = make(map[key]bool, 2*len(ups)+len(list))
			for _, h := range list {
				set[h] = true
			}
			set[k] = true
		}
		return true
	}
	for _, e := range ups {
		if !hold(key{"id", e.GetID()}) {
			return false
		}
		fs, n := uniqueFields(e)
		for _, f := range fs[:n] {
			if f.value != "" && !hold(key{f.field, f.value}) {
				return false
			}
		}
	}
	ok := true
	c.eachOf(k, func(e Entity) {
		if !ok || fresh[e] {
			return
		}
		if isNil(e) || has(key{"id", e.GetID()}) {
			ok = false
			return
		}
		fs, n := uniqueFields(e)
		for _, f := range fs[:n] {
			if f.value != "" && has(key{f.field, f.value}) {
				ok = false
				return
			}
		}
	})
	return ok
}

// noneRefersTo reports whether no entity of c refers to an id deleted
// (and not put back by an upsert).
func (c *Config) noneRefersTo(deletes map[Kind][]string, ids *idLookup) bool {
	gone := map[Kind]map[string]bool{}
	for k, list := range deletes {
		for _, id := range list {
			if id == "" || ids.has(k, id) {
				continue
			}
			if gone[k] == nil {
				gone[k] = map[string]bool{}
			}
			gone[k][id] = true
		}
	}
	if len(gone) == 0 {
		return true
	}
	ok := true
	c.Each(func(e Entity) {
		if !ok || isNil(e) {
			return
		}
		for _, r := range References(e) {
			if gone[r.Kind][*r.ID] {
				ok = false
				return
			}
		}
	})
	return ok
}

// idLookup answers whether c holds an entity of a kind with an id: by
// binary search where the kind is sorted by id (as a store exports it and
// a delta's merge keeps it), else through a map made once per kind.
type idLookup struct {
	c      *Config
	sorted map[Kind]bool
	maps   map[Kind]map[string]bool
}

func (l *idLookup) has(k Kind, id string) bool {
	if l.sorted == nil {
		l.sorted, l.maps = map[Kind]bool{}, map[Kind]map[string]bool{}
	}
	if m, ok := l.maps[k]; ok {
		return m[id]
	}
	sorted, known := l.sorted[k]
	if !known {
		sorted = true
		prev := ""
		l.c.eachOf(k, func(e Entity) {
			if !sorted || isNil(e) {
				sorted = false
				return
			}
			if e.GetID() < prev {
				sorted = false
			}
			prev = e.GetID()
		})
		l.sorted[k] = sorted
	}
	if !sorted {
		m := map[string]bool{}
		l.c.eachOf(k, func(e Entity) {
			if !isNil(e) {
				m[e.GetID()] = true
			}
		})
		l.maps[k] = m
		return m[id]
	}
	return l.c.sortedHas(k, id)
}

// sortedHas binary-searches c's entities of kind k, sorted by id, for id.
func (c *Config) sortedHas(k Kind, id string) bool {
	n, at := c.list(k)
	i := sort.Search(n, func(i int) bool { return at(i).GetID() >= id })
	return i < n && at(i).GetID() == id
}

// eachOf calls fn for each of c's entities of kind k, in order, without
// making a list of them (see OfKind).
func (c *Config) eachOf(k Kind, fn func(Entity)) {
	n, at := c.list(k)
	for i := range n {
		fn(at(i))
	}
}

// ShareKind makes c's entities of kind k base's, sharing its list: for a
// kind a change leaves alone. The list is capped, so appending to either
// copies it.
func (c *Config) ShareKind(base *Config, k Kind) { c.PatchKind(base, k, nil, nil) }

// PatchKind sets c's entities of kind k to base's without those whose id
// is in gone and with ups (entities of kind k; a replaced one's id is in
// gone too), in id order, walking the lists once: gone and ups must be in
// id order, and so must base's entities, as a data plane gets them. It
// reports false, leaving c as it was, when base's are not. With nothing
// gone and nothing upserted, c shares base's list (see ShareKind).
func (c *Config) PatchKind(base *Config, k Kind, gone []string, ups []Entity) bool {
	switch k {
	case KindService:
		return patchList(&c.Services, base.Services, gone, ups)
	case KindRoute:
		return patchList(&c.Routes, base.Routes, gone, ups)
	case KindUpstream:
		return patchList(&c.Upstreams, base.Upstreams, gone, ups)
	case KindTarget:
		return patchList(&c.Targets, base.Targets, gone, ups)
	case KindConsumer:
		return patchList(&c.Consumers, base.Consumers, gone, ups)
	case KindPlugin:
		return patchList(&c.Plugins, base.Plugins, gone, ups)
	case KindCertificate:
		return patchList(&c.Certificates, base.Certificates, gone, ups)
	case KindSNI:
		return patchList(&c.SNIs, base.SNIs, gone, ups)
	case KindCACertificate:
		return patchList(&c.CACertificates, base.CACertificates, gone, ups)
	case KindKeyAuth:
		return patchList(&c.KeyAuths, base.KeyAuths, gone, ups)
	case KindBasicAuth:
		return patchList(&c.BasicAuths, base.BasicAuths, gone, ups)
	case KindJWT:
		return patchList(&c.JWTs, base.JWTs, gone, ups)
	case KindACL:
		return patchList(&c.ACLs, base.ACLs, gone, ups)
	}
	return false
}

// patchList is PatchKind on one kind's list.
func patchList[T interface {
	Entity
	comparable
}](dst *[]T, base []T, gone []string, ups []Entity) bool {
	if len(gone) == 0 && len(ups) == 0 {
		*dst = slices.Clip(base)
		return true
	}
	out := make([]T, 0, len(base)+len(ups))
	g, u, last := 0, 0, ""
	var none T
	for _, e := range base {
		if e == none {
			continue
		}
		id := e.GetID()
		if id <= last && last != "" {
			return false
		}
		last = id
		for g < len(gone) && gone[g] < id {
			g++
		}
		if g < len(gone) && gone[g] == id {
			continue
		}
		for ; u < len(ups) && ups[u].GetID() < id; u++ {
			out = append(out, ups[u].(T))
		}
		out = append(out, e)
	}
	for ; u < len(ups); u++ {
		out = append(out, ups[u].(T))
	}
	*dst = out
	return true
}
