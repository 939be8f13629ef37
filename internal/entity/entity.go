// Package entity is Gantry's configuration model: services, routes, upstreams,
// targets, consumers, plugins, certificates and their credentials, with Kong
// 3.x field names, defaults and validation.
//
// It is a leaf package: it imports nothing else of Gantry's, so the Admin API,
// the stores, the declarative loader and the data plane all validate with the
// same code.
//
// Defaults are applied by constructing an entity with its New* function and
// decoding JSON over it: fields absent from the input keep their default, which
// is how Kong treats omitted fields.
package entity

// Kind names an entity type. The value is the Admin API collection name and
// the key used in declarative files.
type Kind string

// The entity kinds, in dependency order: an entity only refers to kinds
// listed before it, so inserting in this order never dangles.
const (
	KindCACertificate Kind = "ca_certificates"
	KindCertificate   Kind = "certificates"
	KindSNI           Kind = "snis"
	KindService       Kind = "services"
	KindRoute         Kind = "routes"
	KindUpstream      Kind = "upstreams"
	KindTarget        Kind = "targets"
	KindConsumer      Kind = "consumers"
	KindPlugin        Kind = "plugins"
	KindKeyAuth       Kind = "keyauth_credentials"
	KindBasicAuth     Kind = "basicauth_credentials"
	KindJWT           Kind = "jwt_secrets"
	KindACL           Kind = "acls"
)

// Kinds lists every kind in dependency order (see the constants above).
var Kinds = []Kind{
	KindCACertificate, KindCertificate, KindSNI, KindService, KindRoute,
	KindUpstream, KindTarget, KindConsumer, KindPlugin,
	KindKeyAuth, KindBasicAuth, KindJWT, KindACL,
}

// Entity is what every entity type implements, so stores and the Admin API
// can handle them generically.
type Entity interface {
	EntityKind() Kind
	GetID() string
	SetID(id string)
	// EndpointKey is the value of the field that may stand in for the id in
	// Admin API paths (name, username, ...); "" when the entity has none or
	// it is unset.
	EndpointKey() string
	GetTags() []string
	// SetTimestamps sets created_at (only when zero) and updated_at, in Unix seconds.
	SetTimestamps(now int64)
}

// Ref is a foreign key as Kong renders it: {"id": "..."}.
//
// In input (Admin API, declarative) the id may hold a name instead of a UUID;
// resolving names to ids is the caller's job before Validate.
type Ref struct {
	ID string `json:"id"`
}

// RefID returns r's id, or "" for a nil reference.
func RefID(r *Ref) string {
	if r == nil {
		return ""
	}
	return r.ID
}

// Meta holds the fields every entity has.
type Meta struct {
	ID        string   `json:"id,omitempty"`
	CreatedAt int64    `json:"created_at,omitempty"`
	UpdatedAt int64    `json:"updated_at,omitempty"`
	Tags      []string `json:"tags,omitempty"`
}

// GetID returns the entity's id.
func (m *Meta) GetID() string { return m.ID }

// SetID sets the entity's id.
func (m *Meta) SetID(id string) { m.ID = id }

// GetTags returns the entity's tags.
func (m *Meta) GetTags() []string { return m.Tags }

// SetTimestamps sets created_at (if unset) and updated_at.
func (m *Meta) SetTimestamps(now int64) {
	if m.CreatedAt == 0 {
		m.CreatedAt = now
	}
	m.UpdatedAt = now
}

// New returns a fresh entity of kind k with its defaults applied, or nil for
// an unknown kind.
func New(k Kind) Entity {
	switch k {
	case KindService:
		return NewService()
	case KindRoute:
		return NewRoute()
	case KindUpstream:
		return NewUpstream()
	case KindTarget:
		return NewTarget()
	case KindConsumer:
		return &Consumer{}
	case KindPlugin:
		return NewPlugin()
	case KindCertificate:
		return &Certificate{}
	case KindSNI:
		return &SNI{}
	case KindCACertificate:
		return &CACertificate{}
	case KindKeyAuth:
		return &KeyAuth{}
	case KindBasicAuth:
		return &BasicAuth{}
	case KindJWT:
		return NewJWT()
	case KindACL:
		return &ACL{}
	}
	return nil
}
