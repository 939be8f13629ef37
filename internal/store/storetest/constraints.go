package storetest

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/store"
)

func testUnique(t *testing.T, h Harness) {
	s := h.New(t)
	f := seed(t, s, "u")
	f2 := seed(t, s, "u2")
	dupID := service("fresh")
	dupID.ID = f.Service.ID
	globalCors := plugin("cors")
	mustInsert(t, s, globalCors)
	named := plugin("acl")
	named.InstanceName = "inst"
	mustInsert(t, s, named)
	instClash := plugin("cors")
	instClash.InstanceName = "inst"
	instClash.Service = ref(f.Service)
	tg := target(f.Upstream, f.Target.Target)

	tests := []struct {
		name  string
		e     entity.Entity
		field string
		value string
	}{
		{"service name", service(f.Service.Name), "name", f.Service.Name},
		{"service id", dupID, "id", f.Service.ID},
		{"route name", route(f.Route.Name, nil), "name", f.Route.Name},
		{"upstream name", upstream(f.Upstream.Name), "name", f.Upstream.Name},
		{"target in its upstream", tg, "target", f.Target.Target},
		{"consumer username", &entity.Consumer{Username: f.Consumer.Username}, "username", f.Consumer.Username},
		{"consumer custom_id", &entity.Consumer{CustomID: f.Consumer.CustomID}, "custom_id", f.Consumer.CustomID},
		{"sni name", &entity.SNI{Name: f.SNI.Name, Certificate: ref(f2.Cert)}, "name", f.SNI.Name},
		{"ca cert_digest", &entity.CACertificate{Cert: "x", CertDigest: f.CA.CertDigest}, "cert_digest", f.CA.CertDigest},
		{"keyauth key", &entity.KeyAuth{Consumer: ref(f2.Consumer), Key: f.KeyAuth.Key}, "key", f.KeyAuth.Key},
		{"basicauth username", &entity.BasicAuth{Consumer: ref(f2.Consumer), Username: f.BasicAuth.Username}, "username", f.BasicAuth.Username},
		{"jwt key", &entity.JWT{Consumer: ref(f2.Consumer), Key: f.JWT.Key, Algorithm: "HS256"}, "key", f.JWT.Key},
		{"acl group of a consumer", &entity.ACL{Consumer: ref(f.Consumer), Group: f.ACL.Group}, "group", f.ACL.Group},
		{"global plugin twice", plugin("cors"), "name", "cors"},
		{"plugin instance_name", instClash, "instance_name", "inst"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := s.Insert(ctx(t), tc.e)
			var ue *store.UniqueError
			if !errors.As(err, &ue) {
				t.Fatalf("insert: %v, want *store.UniqueError", err)
			}
			if ue.Field != tc.field || ue.Value != tc.value || ue.Kind != tc.e.EntityKind() {
				t.Fatalf("got %+v, want %s %s=%q", ue, tc.e.EntityKind(), tc.field, tc.value)
			}
			want := fmt.Sprintf("UNIQUE violation detected on '{%s=%q}'", tc.field, tc.value)
			if !strings.Contains(err.Error(), want) {
				t.Fatalf("message %q does not say %q", err, want)
			}
		})
	}

	t.Run("same values elsewhere are fine", func(t *testing.T) {
		up3 := upstream("u3")
		mustInsert(t, s, up3)
		mustInsert(t, s,
			target(up3, f.Target.Target),
			&entity.ACL{Consumer: ref(f2.Consumer), Group: f.ACL.Group + "-other"},
			&entity.ACL{Consumer: ref(f.Consumer), Group: "other"},
		)
		scoped := plugin("cors")
		scoped.Service = ref(f.Service)
		mustInsert(t, s, scoped, service(""), service(""), &entity.Consumer{Username: "only-username"})
	})

	t.Run("update onto a taken name", func(t *testing.T) {
		got := mustGet(t, s, entity.KindService, f2.Service.ID).(*entity.Service)
		got.Name = f.Service.Name
		var ue *store.UniqueError
		if err := s.Update(ctx(t), got); !errors.As(err, &ue) || ue.Field != "name" {
			t.Fatalf("update: %v, want UniqueError on name", err)
		}
		if mustGet(t, s, entity.KindService, f2.Service.ID).(*entity.Service).Name != f2.Service.Name {
			t.Fatal("failed update changed the service")
		}
	})
}

func testForeignKey(t *testing.T, h Harness) {
	s := h.New(t)
	missing := "0d7e4f52-3b7a-4a9e-8d3c-111111111111"
	m := &entity.Ref{ID: missing}
	svc := service("svc")
	mustInsert(t, s, svc)
	clientCert := service("with-cert")
	clientCert.ClientCertificate = m
	scoped := plugin("cors")
	scoped.Service, scoped.Consumer = ref(svc), m
	tests := []struct {
		name  string
		e     entity.Entity
		field string
	}{
		{"route service", &entity.Route{Name: "r", Service: m, Paths: []string{"/"}}, "service"},
		{"target upstream", &entity.Target{Upstream: m, Target: "a:1"}, "upstream"},
		{"plugin consumer", scoped, "consumer"},
		{"keyauth consumer", &entity.KeyAuth{Consumer: m, Key: "k"}, "consumer"},
		{"acl consumer", &entity.ACL{Consumer: m, Group: "g"}, "consumer"},
		{"sni certificate", &entity.SNI{Name: "a.test", Certificate: m}, "certificate"},
		{"service client_certificate", clientCert, "client_certificate"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rev, _ := s.Revision(ctx(t))
			err := s.Insert(ctx(t), tc.e)
			var fe *store.ForeignKeyError
			if !errors.As(err, &fe) || fe.Field != tc.field || fe.ID != missing {
				t.Fatalf("insert: %v, want ForeignKeyError on %s", err, tc.field)
			}
			if !strings.Contains(err.Error(), "does not reference an existing '"+tc.field+"' entity") {
				t.Fatalf("message %q", err)
			}
			wantNotFound(t, s, tc.e.EntityKind(), tc.e.GetID())
			if after, _ := s.Revision(ctx(t)); after != rev {
				t.Fatalf("a refused write moved the revision from %d to %d", rev, after)
			}
		})
	}
}

func testCascade(t *testing.T, h Harness) {
	tests := []struct {
		name string
		del  func(f *fixture) entity.Entity
		gone func(f *fixture) []entity.Entity
		kept func(f *fixture) []entity.Entity
	}{
		{"upstream takes its targets",
			func(f *fixture) entity.Entity { return f.Upstream },
			func(f *fixture) []entity.Entity { return []entity.Entity{f.Target} },
			func(f *fixture) []entity.Entity { return []entity.Entity{f.Service} }},
		{"consumer takes credentials and plugins",
			func(f *fixture) entity.Entity { return f.Consumer },
			func(f *fixture) []entity.Entity {
				return []entity.Entity{f.KeyAuth, f.BasicAuth, f.JWT, f.ACL, f.Plugin}
			},
			func(f *fixture) []entity.Entity { return []entity.Entity{f.Route} }},
		{"certificate takes its snis",
			func(f *fixture) entity.Entity { return f.Cert },
			func(f *fixture) []entity.Entity { return []entity.Entity{f.SNI} },
			func(f *fixture) []entity.Entity { return []entity.Entity{f.CA} }},
		{"route takes its plugins",
			func(f *fixture) entity.Entity { return f.Route },
			func(f *fixture) []entity.Entity { return []entity.Entity{f.Plugin} },
			func(f *fixture) []entity.Entity { return []entity.Entity{f.Service, f.Consumer} }},
	}
	s := h.New(t) // one database, one fixture per case
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := seed(t, s, fmt.Sprintf("cascade%d", i))
			if tc.name == "certificate takes its snis" {
				f.Service.ClientCertificate = nil
				if err := s.Update(ctx(t), f.Service); err != nil {
					t.Fatal(err)
				}
			}
			d := tc.del(f)
			if err := s.Delete(ctx(t), d.EntityKind(), d.GetID()); err != nil {
				t.Fatalf("delete %s: %v", d.EntityKind(), err)
			}
			for _, e := range tc.gone(f) {
				wantNotFound(t, s, e.EntityKind(), e.GetID())
			}
			for _, e := range tc.kept(f) {
				mustGet(t, s, e.EntityKind(), e.GetID())
			}
		})
	}
	t.Run("service takes its plugins once its routes are gone", func(t *testing.T) {
		f := seed(t, s, "svc")
		p := plugin("cors")
		p.Service = ref(f.Service)
		mustInsert(t, s, p)
		if err := s.Delete(ctx(t), entity.KindRoute, f.Route.Name); err != nil {
			t.Fatal(err)
		}
		if err := s.Delete(ctx(t), entity.KindService, f.Service.Name); err != nil {
			t.Fatal(err)
		}
		wantNotFound(t, s, entity.KindPlugin, p.ID)
	})
}

func testReferenced(t *testing.T, h Harness) {
	s := h.New(t)
	f := seed(t, s, "ref")
	mustInsert(t, s, route("second", f.Service))
	verifying := service("verifying")
	verifying.CACertificates = []string{f.CA.ID}
	mustInsert(t, s, verifying)
	tests := []struct {
		name    string
		e       entity.Entity
		by      entity.Kind
		count   int
		message string
	}{
		{"service used by routes", f.Service, entity.KindRoute, 2, "an existing 'route' entity references this 'service' entity"},
		{"certificate used by a service", f.Cert, entity.KindService, 1, "an existing 'service' entity references this 'certificate' entity"},
		{"ca certificate used by a service", f.CA, entity.KindService, 1, "an existing 'service' entity references this 'ca_certificate' entity"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := s.Delete(ctx(t), tc.e.EntityKind(), tc.e.GetID())
			var re *store.ReferencedError
			if !errors.As(err, &re) || re.By != tc.by || re.Count != tc.count || re.Kind != tc.e.EntityKind() {
				t.Fatalf("delete: %v (%+v), want ReferencedError by %d %s", err, re, tc.count, tc.by)
			}
			if !strings.Contains(err.Error(), tc.message) {
				t.Fatalf("message %q", err)
			}
			mustGet(t, s, tc.e.EntityKind(), tc.e.GetID())
		})
	}
	t.Run("free once no longer used", func(t *testing.T) {
		verifying.CACertificates = nil
		if err := s.Update(ctx(t), verifying); err != nil {
			t.Fatal(err)
		}
		if err := s.Delete(ctx(t), entity.KindCACertificate, f.CA.ID); err != nil {
			t.Fatalf("delete an unused ca certificate: %v", err)
		}
	})
}
