package entity

import "strconv"

// Reference is one foreign key of an entity. ID points at the id inside the
// entity, so a loader can rewrite a name given in its place into the id.
type Reference struct {
	Field string // "service", "ca_certificates[1]", ...
	Kind  Kind   // the kind it points at
	ID    *string
}

// References lists e's set foreign keys (nil references are left out).
func References(e Entity) []Reference {
	var out []Reference
	for _, s := range refSlots(e) {
		if *s.ref != nil {
			out = append(out, Reference{s.field, s.kind, &(*s.ref).ID})
		}
	}
	if v, ok := e.(*Service); ok {
		for j := range v.CACertificates {
			out = append(out, Reference{"ca_certificates[" + strconv.Itoa(j) + "]", KindCACertificate, &v.CACertificates[j]})
		}
	}
	return out
}

// RefField returns where e keeps its reference named field ("service",
// "consumer", ...), set or not, so a caller can read or replace it; nil
// when e has no such reference.
func RefField(e Entity, field string) **Ref {
	for _, s := range refSlots(e) {
		if s.field == field {
			return s.ref
		}
	}
	return nil
}

// refSlot is one *Ref field of an entity: its name, the kind it points at
// and where it is.
type refSlot struct {
	field string
	kind  Kind
	ref   **Ref
}

// refSlots lists e's *Ref fields, set or not, in field order: the one place
// that knows which entity refers to which kind through which field.
func refSlots(e Entity) []refSlot {
	switch v := e.(type) {
	case *Service:
		return []refSlot{{"client_certificate", KindCertificate, &v.ClientCertificate}}
	case *Route:
		return []refSlot{{"service", KindService, &v.Service}}
	case *Upstream:
		return []refSlot{{"client_certificate", KindCertificate, &v.ClientCertificate}}
	case *Target:
		return []refSlot{{"upstream", KindUpstream, &v.Upstream}}
	case *SNI:
		return []refSlot{{"certificate", KindCertificate, &v.Certificate}}
	case *Plugin:
		return []refSlot{
			{"service", KindService, &v.Service},
			{"route", KindRoute, &v.Route},
			{"consumer", KindConsumer, &v.Consumer},
		}
	case *KeyAuth:
		return []refSlot{{"consumer", KindConsumer, &v.Consumer}}
	case *BasicAuth:
		return []refSlot{{"consumer", KindConsumer, &v.Consumer}}
	case *JWT:
		return []refSlot{{"consumer", KindConsumer, &v.Consumer}}
	case *ACL:
		return []refSlot{{"consumer", KindConsumer, &v.Consumer}}
	}
	return nil
}
