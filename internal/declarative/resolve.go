package declarative

import (
	"strings"

	"github.com/google/uuid"

	"github.com/gantryhq/gantry/internal/entity"
)

// idNamespace is the UUID v5 namespace of generated ids. Changing it changes
// every generated id, and so the hash of every configuration without ids.
var idNamespace = uuid.MustParse("3f1a8e2c-6f0b-4d3e-9c57-7a4be0d2c1f9")

// resolve sets parent references of nested entities, turns names used as
// references into ids and gives every entity without an id a deterministic
// one. Kinds are handled in dependency order, so everything an entity may
// refer to already has its id. References that resolve to nothing are left
// for validation to report.
func (l *loader) resolve() {
	ids := map[entity.Kind]map[string]bool{}
	names := map[entity.Kind]map[string]string{}
	used := map[string]bool{}
	for _, k := range entity.Kinds {
		for _, it := range l.items[k] {
			used[it.e.GetID()] = true
		}
	}
	for _, k := range entity.Kinds {
		ids[k], names[k] = map[string]bool{}, map[string]string{}
		for _, it := range l.items[k] {
			if it.parent != nil {
				setRef(it.e, it.parentField, it.parent.e.GetID())
			}
			for _, r := range entity.References(it.e) {
				if *r.ID == "" || ids[r.Kind][*r.ID] {
					continue
				}
				if id, ok := names[r.Kind][*r.ID]; ok {
					*r.ID = id
				}
			}
			if it.e.GetID() == "" {
				it.e.SetID(generateID(k, it, used))
			}
			ids[k][it.e.GetID()] = true
			for _, n := range referenceNames(it.e) {
				if _, taken := names[k][n]; n != "" && !taken {
					names[k][n] = it.e.GetID()
				}
			}
			if b, ok := it.e.(*entity.BasicAuth); ok && l.transform && b.Password != "" && b.Consumer != nil {
				b.Password = entity.HashBasicAuthPassword(b.Consumer.ID, b.Password)
			}
		}
	}
}

// generateID derives an id from the entity's natural key (its name, or
// what Kong makes unique) or, lacking one, from its place in the document.
func generateID(k entity.Kind, it *item, used map[string]bool) string {
	if key := naturalKey(it.e); key != "" {
		id := uuid.NewSHA1(idNamespace, []byte(string(k)+"\x00"+key)).String()
		if !used[id] {
			used[id] = true
			return id
		}
	}
	id := uuid.NewSHA1(idNamespace, []byte(string(k)+"\x00@"+it.path)).String()
	used[id] = true
	return id
}

// naturalKey is what identifies an entity without its id, "" if nothing does.
func naturalKey(e entity.Entity) string {
	join := func(parts ...string) string { return strings.Join(parts, "\x00") }
	switch v := e.(type) {
	case *entity.Service:
		return v.Name
	case *entity.Route:
		return v.Name
	case *entity.Upstream:
		return v.Name
	case *entity.Consumer:
		return join(v.Username, v.CustomID)
	case *entity.SNI:
		return v.Name
	case *entity.CACertificate:
		return v.CertDigest
	case *entity.Target:
		return join(entity.RefID(v.Upstream), v.Target)
	case *entity.Plugin:
		return join(v.Name, entity.RefID(v.Service), entity.RefID(v.Route), entity.RefID(v.Consumer), v.InstanceName)
	case *entity.KeyAuth:
		return v.Key
	case *entity.BasicAuth:
		return v.Username
	case *entity.JWT:
		return v.Key
	case *entity.ACL:
		return join(entity.RefID(v.Consumer), v.Group)
	}
	return ""
}

// referenceNames are the values other entities may use instead of e's id.
func referenceNames(e entity.Entity) []string {
	switch v := e.(type) {
	case *entity.Service:
		return []string{v.Name}
	case *entity.Route:
		return []string{v.Name}
	case *entity.Upstream:
		return []string{v.Name}
	case *entity.Consumer:
		return []string{v.Username, v.CustomID}
	}
	return nil
}

// setRef points e's reference field at the parent it is nested in.
func setRef(e entity.Entity, field, id string) {
	r := &entity.Ref{ID: id}
	switch v := e.(type) {
	case *entity.Route:
		v.Service = r
	case *entity.Target:
		v.Upstream = r
	case *entity.SNI:
		v.Certificate = r
	case *entity.KeyAuth:
		v.Consumer = r
	case *entity.BasicAuth:
		v.Consumer = r
	case *entity.JWT:
		v.Consumer = r
	case *entity.ACL:
		v.Consumer = r
	case *entity.Plugin:
		switch field {
		case "service":
			v.Service = r
		case "route":
			v.Route = r
		case "consumer":
			v.Consumer = r
		}
	}
}
