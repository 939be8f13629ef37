package entity

import (
	"fmt"
	"reflect"

	"github.com/gantryhq/gantry/internal/yield"
)

// OfKind returns c's entities of kind k, in order, as Entity values.
func (c *Config) OfKind(k Kind) []Entity {
	n, at := c.list(k)
	out := make([]Entity, n)
	for i := range out {
		out[i] = at(i)
	}
	return out
}

// list returns how many entities of kind k c holds and how to get the i-th:
// the one place that maps a Kind to its list.
func (c *Config) list(k Kind) (int, func(int) Entity) {
	switch k {
	case KindService:
		return lenAt(c.Services)
	case KindRoute:
		return lenAt(c.Routes)
	case KindUpstream:
		return lenAt(c.Upstreams)
	case KindTarget:
		return lenAt(c.Targets)
	case KindConsumer:
		return lenAt(c.Consumers)
	case KindPlugin:
		return lenAt(c.Plugins)
	case KindCertificate:
		return lenAt(c.Certificates)
	case KindSNI:
		return lenAt(c.SNIs)
	case KindCACertificate:
		return lenAt(c.CACertificates)
	case KindKeyAuth:
		return lenAt(c.KeyAuths)
	case KindBasicAuth:
		return lenAt(c.BasicAuths)
	case KindJWT:
		return lenAt(c.JWTs)
	case KindACL:
		return lenAt(c.ACLs)
	}
	return 0, nil
}

func lenAt[T Entity](list []T) (int, func(int) Entity) {
	return len(list), func(i int) Entity { return list[i] }
}

// Validate checks every entity's own fields, that every reference points at
// an entity of c and that unique fields are unique. It does not normalize.
// The error, when not nil, is a *ConfigErrors listing every failure.
func (c *Config) Validate() error { return c.validate(nil) }

// validate is Validate checking the own fields of only the entities changed
// reports true for (all of them when changed is nil); ids, unique fields
// and references are always checked across the whole config.
func (c *Config) validate(changed func(Entity) bool) error {
	errs := &ConfigErrors{}
	ids := map[Kind]map[string]bool{}
	var y yield.Point
	for _, k := range Kinds {
		ids[k] = map[string]bool{}
		u := newUniques(errs, k)
		for i, e := range c.OfKind(k) {
			y.Tick()
			if isNil(e) {
				errs.Errors = append(errs.Errors, ConfigError{Kind: k, Index: i, Message: "entity is null"})
				continue
			}
			if changed == nil || changed(e) {
				for _, fe := range Validate(e) {
					errs.add(e, i, fe.Field, fe.Message)
				}
			}
			if id := e.GetID(); id != "" {
				if ids[k][id] {
					errs.add(e, i, "id", fmt.Sprintf("uniqueness violation: '%s' entity with id set to '%s' already declared", k, id))
				}
				ids[k][id] = true
			}
			u.check(e, i)
		}
	}
	c.checkRefs(errs, ids)
	if len(errs.Errors) == 0 {
		return nil
	}
	return errs
}

// isNil reports whether e is nil or a typed nil pointer (every entity is
// a pointer type).
func isNil(e Entity) bool {
	if e == nil {
		return true
	}
	v := reflect.ValueOf(e)
	return v.Kind() == reflect.Pointer && v.IsNil()
}

// checkRefs reports references to entities c does not hold.
func (c *Config) checkRefs(errs *ConfigErrors, ids map[Kind]map[string]bool) {
	var y yield.Point
	for _, k := range Kinds {
		for i, e := range c.OfKind(k) {
			y.Tick()
			if isNil(e) {
				continue
			}
			for _, r := range References(e) {
				if *r.ID != "" && !ids[r.Kind][*r.ID] {
					errs.add(e, i, r.Field, fmt.Sprintf("invalid reference '%s: %s' (no such entry in '%s')", r.Field, *r.ID, r.Kind))
				}
			}
		}
	}
}
