package entity

import (
	"errors"
	"strings"
	"testing"
)

const (
	svcID = "11111111-1111-4111-8111-111111111111"
	rtID  = "22222222-2222-4222-8222-222222222222"
	conID = "33333333-3333-4333-8333-333333333333"
	upID  = "44444444-4444-4444-8444-444444444444"
	crtID = "55555555-5555-4555-8555-555555555555"
)

// validConfig returns a small configuration in which every reference resolves.
func validConfig(t *testing.T) *Config {
	t.Helper()
	pair := makeCert(t, certOpts{})
	s := svc(func(s *Service) { s.ID, s.Name = svcID, "orders" })
	r := route(func(r *Route) { r.ID, r.Name, r.Service = rtID, "orders-route", &Ref{ID: svcID} })
	u := ups(func(u *Upstream) { u.ID = upID })
	tg := target("10.0.0.1:80", func(tg *Target) { tg.ID, tg.Upstream = "66666666-6666-4666-8666-666666666666", &Ref{ID: upID} })
	c := &Consumer{Meta: Meta{ID: conID}, Username: "alice", CustomID: "a1"}
	p := NewPlugin()
	p.ID, p.Name, p.Route = "77777777-7777-4777-8777-777777777777", "key-auth", &Ref{ID: rtID}
	cert := &Certificate{Meta: Meta{ID: crtID}, Cert: pair.Cert, Key: pair.Key}
	sni := &SNI{Meta: Meta{ID: "88888888-8888-4888-8888-888888888888"}, Name: "example.test", Certificate: &Ref{ID: crtID}}
	ka := &KeyAuth{Meta: Meta{ID: "99999999-9999-4999-8999-999999999999"}, Consumer: &Ref{ID: conID}, Key: "secret"}
	return &Config{
		Services: []*Service{s}, Routes: []*Route{r}, Upstreams: []*Upstream{u}, Targets: []*Target{tg},
		Consumers: []*Consumer{c}, Plugins: []*Plugin{p}, Certificates: []*Certificate{cert}, SNIs: []*SNI{sni},
		KeyAuths: []*KeyAuth{ka},
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		mod  func(c *Config)
		want []ConfigError // Kind, Index, Field and a Message substring
	}{
		{"valid", func(*Config) {}, nil},
		{"dangling route service", func(c *Config) { c.Routes[0].Service.ID = "nope" },
			[]ConfigError{{Kind: KindRoute, Field: "service", Message: "invalid reference 'service: nope' (no such entry in 'services')"}}},
		{"dangling target upstream", func(c *Config) { c.Targets[0].Upstream.ID = "gone" },
			[]ConfigError{{Kind: KindTarget, Field: "upstream", Message: "no such entry in 'upstreams'"}}},
		{"dangling sni certificate", func(c *Config) { c.SNIs[0].Certificate.ID = "gone" },
			[]ConfigError{{Kind: KindSNI, Field: "certificate", Message: "no such entry in 'certificates'"}}},
		{"dangling plugin consumer", func(c *Config) { c.Plugins[0].Consumer = &Ref{ID: "bob"} },
			[]ConfigError{{Kind: KindPlugin, Field: "consumer", Message: "no such entry in 'consumers'"}}},
		{"dangling credential consumer", func(c *Config) { c.KeyAuths[0].Consumer.ID = "bob" },
			[]ConfigError{{Kind: KindKeyAuth, Field: "consumer", Message: "no such entry in 'consumers'"}}},
		{"dangling ca certificate", func(c *Config) { c.Services[0].CACertificates = []string{crtID} },
			[]ConfigError{{Kind: KindService, Field: "ca_certificates[0]", Message: "no such entry in 'ca_certificates'"}}},
		{"duplicate service name", func(c *Config) {
			c.Services = append(c.Services, svc(func(s *Service) { s.Name = "orders" }))
		}, []ConfigError{{Kind: KindService, Index: 1, Field: "name", Message: "uniqueness violation: 'services' entity with name set to 'orders' already declared"}}},
		{"duplicate consumer custom_id", func(c *Config) { c.Consumers = append(c.Consumers, &Consumer{Username: "bob", CustomID: "a1"}) },
			[]ConfigError{{Kind: KindConsumer, Index: 1, Field: "custom_id", Message: "already declared"}}},
		{"duplicate key", func(c *Config) { c.KeyAuths = append(c.KeyAuths, &KeyAuth{Consumer: &Ref{ID: conID}, Key: "secret"}) },
			[]ConfigError{{Kind: KindKeyAuth, Index: 1, Field: "key", Message: "already declared"}}},
		{"duplicate plugin scope", func(c *Config) {
			p := NewPlugin()
			p.Name, p.Route, p.InstanceName = "key-auth", &Ref{ID: rtID}, "second"
			c.Plugins = append(c.Plugins, p)
		}, []ConfigError{{Kind: KindPlugin, Index: 1, Field: "name", Message: "with name set to 'key-auth' and route set to"}}},
		{"same plugin other scope ok", func(c *Config) {
			p := NewPlugin()
			p.Name = "key-auth"
			c.Plugins = append(c.Plugins, p)
		}, nil},
		{"duplicate id", func(c *Config) {
			c.Upstreams = append(c.Upstreams, ups(func(u *Upstream) { u.ID, u.Name = upID, "other" }))
		}, []ConfigError{{Kind: KindUpstream, Index: 1, Field: "id", Message: "with id set to"}}},
		{"entity invalid", func(c *Config) { c.Routes[0].Paths = []string{"~/(x"} },
			[]ConfigError{{Kind: KindRoute, Field: "paths[0]", Message: "invalid regex"}}},
		{"nil entity", func(c *Config) { c.Services = append(c.Services, nil) },
			[]ConfigError{{Kind: KindService, Index: 1, Message: "entity is null"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := validConfig(t)
			tc.mod(c)
			err := c.Validate()
			if tc.want == nil {
				if err != nil {
					t.Fatalf("want valid, got %v", err)
				}
				return
			}
			var ce *ConfigErrors
			if !errors.As(err, &ce) {
				t.Fatalf("want *ConfigErrors, got %v", err)
			}
			if len(ce.Errors) != len(tc.want) {
				t.Fatalf("want %d errors, got %v", len(tc.want), err)
			}
			for i, w := range tc.want {
				g := ce.Errors[i]
				if g.Kind != w.Kind || g.Index != w.Index || g.Field != w.Field || !strings.Contains(g.Message, w.Message) {
					t.Errorf("error %d = %+v, want %+v", i, g, w)
				}
			}
		})
	}
}
