package entity

// Config is a whole configuration in flat form: every entity once, references
// by id. It is what the declarative loader produces, what a store exports,
// what the control plane pushes and what a snapshot is built from.
type Config struct {
	Services       []*Service       `json:"services,omitempty"`
	Routes         []*Route         `json:"routes,omitempty"`
	Upstreams      []*Upstream      `json:"upstreams,omitempty"`
	Targets        []*Target        `json:"targets,omitempty"`
	Consumers      []*Consumer      `json:"consumers,omitempty"`
	Plugins        []*Plugin        `json:"plugins,omitempty"`
	Certificates   []*Certificate   `json:"certificates,omitempty"`
	SNIs           []*SNI           `json:"snis,omitempty"`
	CACertificates []*CACertificate `json:"ca_certificates,omitempty"`
	KeyAuths       []*KeyAuth       `json:"keyauth_credentials,omitempty"`
	BasicAuths     []*BasicAuth     `json:"basicauth_credentials,omitempty"`
	JWTs           []*JWT           `json:"jwt_secrets,omitempty"`
	ACLs           []*ACL           `json:"acls,omitempty"`
}

// Empty reports whether c holds no entity at all.
func (c *Config) Empty() bool {
	if c == nil {
		return true
	}
	for _, k := range Kinds {
		if n, _ := c.list(k); n > 0 {
			return false
		}
	}
	return true
}

// Each calls fn for every entity of c, in dependency order (see Kinds).
func (c *Config) Each(fn func(Entity)) {
	for _, e := range c.CACertificates {
		fn(e)
	}
	for _, e := range c.Certificates {
		fn(e)
	}
	for _, e := range c.SNIs {
		fn(e)
	}
	for _, e := range c.Services {
		fn(e)
	}
	for _, e := range c.Routes {
		fn(e)
	}
	for _, e := range c.Upstreams {
		fn(e)
	}
	for _, e := range c.Targets {
		fn(e)
	}
	for _, e := range c.Consumers {
		fn(e)
	}
	for _, e := range c.Plugins {
		fn(e)
	}
	for _, e := range c.KeyAuths {
		fn(e)
	}
	for _, e := range c.BasicAuths {
		fn(e)
	}
	for _, e := range c.JWTs {
		fn(e)
	}
	for _, e := range c.ACLs {
		fn(e)
	}
}

// Add appends e to the slice of its kind. It panics on a type it does not
// know, which is a programming error.
func (c *Config) Add(e Entity) {
	switch v := e.(type) {
	case *Service:
		c.Services = append(c.Services, v)
	case *Route:
		c.Routes = append(c.Routes, v)
	case *Upstream:
		c.Upstreams = append(c.Upstreams, v)
	case *Target:
		c.Targets = append(c.Targets, v)
	case *Consumer:
		c.Consumers = append(c.Consumers, v)
	case *Plugin:
		c.Plugins = append(c.Plugins, v)
	case *Certificate:
		c.Certificates = append(c.Certificates, v)
	case *SNI:
		c.SNIs = append(c.SNIs, v)
	case *CACertificate:
		c.CACertificates = append(c.CACertificates, v)
	case *KeyAuth:
		c.KeyAuths = append(c.KeyAuths, v)
	case *BasicAuth:
		c.BasicAuths = append(c.BasicAuths, v)
	case *JWT:
		c.JWTs = append(c.JWTs, v)
	case *ACL:
		c.ACLs = append(c.ACLs, v)
	default:
		panic("entity: Config.Add of unknown type")
	}
}
