package entity

import "testing"

func TestHashIgnoresOrderAndTimestamps(t *testing.T) {
	a := validConfig(t)
	a.Services = append(a.Services, svc(func(s *Service) { s.ID, s.Name = "aaaaaaaa-1111-4111-8111-111111111111", "second" }))
	a.Plugins[0].Config = map[string]any{"b": 1.0, "a": []any{"x", "y"}}
	b := validConfig(t)
	b.Certificates, b.SNIs = a.Certificates, a.SNIs // fresh certificates differ
	b.Services = append([]*Service{svc(func(s *Service) { s.ID, s.Name = "aaaaaaaa-1111-4111-8111-111111111111", "second" })}, b.Services...)
	b.Plugins[0].Config = map[string]any{"a": []any{"x", "y"}, "b": 1.0}
	b.Services[1].SetTimestamps(1700000000)
	if a.Hash() != b.Hash() {
		t.Fatalf("same config in another order hashes differently: %s vs %s", a.Hash(), b.Hash())
	}
	if b.Services[1].CreatedAt != 1700000000 {
		t.Fatal("Hash modified the entity's timestamps")
	}
	if len(a.Hash()) != 32 {
		t.Fatalf("hash %q is not 32 hex digits", a.Hash())
	}
}

func TestHashChangesWithAnyField(t *testing.T) {
	base := validConfig(t)
	want := base.Hash()
	mods := map[string]func(c *Config){
		"service port":       func(c *Config) { c.Services[0].Port = 8080 },
		"service tags":       func(c *Config) { c.Services[0].Tags = []string{"x"} },
		"route path order":   func(c *Config) { c.Routes[0].Paths = []string{"/b", "/a"} },
		"route strip_path":   func(c *Config) { c.Routes[0].StripPath = false },
		"plugin config":      func(c *Config) { c.Plugins[0].Config = map[string]any{"k": "v"} },
		"plugin enabled":     func(c *Config) { c.Plugins[0].Enabled = false },
		"target weight":      func(c *Config) { c.Targets[0].Weight = 1 },
		"healthcheck":        func(c *Config) { c.Upstreams[0].Healthchecks.Active.Healthy.Interval = 5 },
		"consumer custom_id": func(c *Config) { c.Consumers[0].CustomID = "other" },
		"key":                func(c *Config) { c.KeyAuths[0].Key = "other" },
		"sni name":           func(c *Config) { c.SNIs[0].Name = "other.test" },
		"entity added":       func(c *Config) { c.ACLs = append(c.ACLs, &ACL{Consumer: &Ref{ID: conID}, Group: "g"}) },
		"entity moved kind":  func(c *Config) { c.Routes[0].Service = nil },
	}
	for name, mod := range mods {
		t.Run(name, func(t *testing.T) {
			c := validConfig(t)
			c.Certificates = base.Certificates
			if c.Hash() != want {
				t.Fatal("baseline differs")
			}
			mod(c)
			if c.Hash() == want {
				t.Fatal("hash did not change")
			}
		})
	}
	if (&Config{}).Hash() != (*Config)(nil).Hash() {
		t.Fatal("nil and empty config must hash alike")
	}
}
