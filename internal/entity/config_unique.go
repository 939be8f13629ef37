package entity

import "fmt"

// uniques tracks the values of one kind's unique fields while validating.
type uniques struct {
	errs *ConfigErrors
	kind Kind
	seen map[string]bool // "field\x00value"
}

func newUniques(errs *ConfigErrors, k Kind) *uniques {
	return &uniques{errs: errs, kind: k, seen: map[string]bool{}}
}

// check reports e's unique fields that an earlier entity already holds.
func (u *uniques) check(e Entity, i int) {
	fs, n := uniqueFields(e)
	for _, f := range fs[:n] {
		if f.value == "" {
			continue
		}
		key := f.field + "\x00" + f.value
		if u.seen[key] {
			u.errs.add(e, i, f.field, fmt.Sprintf("uniqueness violation: '%s' entity with %s set to '%s' already declared", u.kind, f.field, f.shown))
		}
		u.seen[key] = true
	}
}

type uniqueField struct {
	field, value, shown string
}

func one(field, value string) uniqueField { return uniqueField{field, value, value} }

// uniqueFields lists e's unique fields (Kong's unique attributes and cache
// keys). A composite key's value joins its parts; shown is for messages.
func uniqueFields(e Entity) (fs [2]uniqueField, n int) {
	switch v := e.(type) {
	case *Service:
		return [2]uniqueField{one("name", v.Name)}, 1
	case *Route:
		return [2]uniqueField{one("name", v.Name)}, 1
	case *Upstream:
		return [2]uniqueField{one("name", v.Name)}, 1
	case *Target:
		return [2]uniqueField{{"target", RefID(v.Upstream) + "\x00" + v.Target, v.Target}}, 1
	case *Consumer:
		return [2]uniqueField{one("username", v.Username), one("custom_id", v.CustomID)}, 2
	case *SNI:
		return [2]uniqueField{one("name", v.Name)}, 1
	case *CACertificate:
		return [2]uniqueField{one("cert_digest", v.CertDigest)}, 1
	case *KeyAuth:
		return [2]uniqueField{one("key", v.Key)}, 1
	case *BasicAuth:
		return [2]uniqueField{one("username", v.Username)}, 1
	case *JWT:
		return [2]uniqueField{one("key", v.Key)}, 1
	case *ACL:
		if v.Group == "" {
			return fs, 0
		}
		return [2]uniqueField{{"group", RefID(v.Consumer) + "\x00" + v.Group, v.Group}}, 1
	case *Plugin:
		if v.Name == "" {
			return [2]uniqueField{one("instance_name", v.InstanceName)}, 1
		}
		scope := v.Name + "\x00" + RefID(v.Service) + "\x00" + RefID(v.Route) + "\x00" + RefID(v.Consumer)
		return [2]uniqueField{
			{"name", scope, pluginScope(v)},
			one("instance_name", v.InstanceName),
		}, 2
	}
	return fs, 0
}

// pluginScope renders a plugin's name and scope for a uniqueness message.
func pluginScope(p *Plugin) string {
	s := p.Name
	for _, part := range []struct {
		field string
		r     *Ref
	}{{"service", p.Service}, {"route", p.Route}, {"consumer", p.Consumer}} {
		if part.r != nil {
			s += fmt.Sprintf("' and %s set to '%s", part.field, part.r.ID)
		}
	}
	return s
}
