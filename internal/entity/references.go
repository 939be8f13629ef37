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
	add := func(field string, r *Ref, k Kind) {
		if r != nil {
			out = append(out, Reference{field, k, &r.ID})
		}
	}
	switch v := e.(type) {
	case *Service:
		add("client_certificate", v.ClientCertificate, KindCertificate)
		for j := range v.CACertificates {
			out = append(out, Reference{"ca_certificates[" + strconv.Itoa(j) + "]", KindCACertificate, &v.CACertificates[j]})
		}
	case *Route:
		add("service", v.Service, KindService)
	case *Upstream:
		add("client_certificate", v.ClientCertificate, KindCertificate)
	case *Target:
		add("upstream", v.Upstream, KindUpstream)
	case *SNI:
		add("certificate", v.Certificate, KindCertificate)
	case *Plugin:
		add("service", v.Service, KindService)
		add("route", v.Route, KindRoute)
		add("consumer", v.Consumer, KindConsumer)
	case *KeyAuth:
		add("consumer", v.Consumer, KindConsumer)
	case *BasicAuth:
		add("consumer", v.Consumer, KindConsumer)
	case *JWT:
		add("consumer", v.Consumer, KindConsumer)
	case *ACL:
		add("consumer", v.Consumer, KindConsumer)
	}
	return out
}
