package storetest

import (
	"testing"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/store"
)

// fixture is one entity of every kind, linked together, inserted in
// dependency order.
type fixture struct {
	CA        *entity.CACertificate
	Cert      *entity.Certificate
	SNI       *entity.SNI
	Service   *entity.Service
	Route     *entity.Route
	Upstream  *entity.Upstream
	Target    *entity.Target
	Consumer  *entity.Consumer
	Plugin    *entity.Plugin // scoped to Route and Consumer
	KeyAuth   *entity.KeyAuth
	BasicAuth *entity.BasicAuth
	JWT       *entity.JWT
	ACL       *entity.ACL
}

func (f *fixture) all() []entity.Entity {
	return []entity.Entity{f.CA, f.Cert, f.SNI, f.Service, f.Route, f.Upstream, f.Target,
		f.Consumer, f.Plugin, f.KeyAuth, f.BasicAuth, f.JWT, f.ACL}
}

func service(name string, tags ...string) *entity.Service {
	s := entity.NewService()
	s.Name, s.Host, s.Tags = name, name+".internal", tags
	return s
}

func route(name string, svc *entity.Service) *entity.Route {
	r := entity.NewRoute()
	r.Name, r.Paths = name, []string{"/" + name}
	if svc != nil {
		r.Service = &entity.Ref{ID: svc.ID}
	}
	return r
}

func upstream(name string) *entity.Upstream {
	u := entity.NewUpstream()
	u.Name = name
	return u
}

func target(u *entity.Upstream, addr string) *entity.Target {
	t := entity.NewTarget()
	t.Upstream, t.Target = &entity.Ref{ID: u.ID}, addr
	return t
}

func plugin(name string) *entity.Plugin {
	p := entity.NewPlugin()
	p.Name = name
	return p
}

func ref(e entity.Entity) *entity.Ref { return &entity.Ref{ID: e.GetID()} }

// seed inserts a fixture whose names all carry suffix.
func seed(t *testing.T, s store.Store, suffix string) *fixture {
	t.Helper()
	f := &fixture{}
	f.CA = &entity.CACertificate{Cert: "-----BEGIN CERTIFICATE-----ca" + suffix, CertDigest: "digest-" + suffix}
	f.Cert = &entity.Certificate{Cert: "cert-" + suffix, Key: "key-" + suffix}
	mustInsert(t, s, f.CA, f.Cert)
	f.SNI = &entity.SNI{Name: suffix + ".example.com", Certificate: ref(f.Cert)}
	f.Service = service("svc-" + suffix)
	f.Service.ClientCertificate = ref(f.Cert)
	mustInsert(t, s, f.SNI, f.Service)
	f.Route = route("route-"+suffix, f.Service)
	f.Upstream = upstream("up-" + suffix)
	mustInsert(t, s, f.Route, f.Upstream)
	f.Target = target(f.Upstream, "10.0.0.1:80")
	f.Consumer = &entity.Consumer{Username: "alice-" + suffix, CustomID: "c-" + suffix}
	mustInsert(t, s, f.Target, f.Consumer)
	f.Plugin = plugin("rate-limiting")
	f.Plugin.Route, f.Plugin.Consumer = ref(f.Route), ref(f.Consumer)
	f.Plugin.Config = map[string]any{"minute": float64(5)}
	f.KeyAuth = &entity.KeyAuth{Consumer: ref(f.Consumer), Key: "key-" + suffix}
	f.BasicAuth = &entity.BasicAuth{Consumer: ref(f.Consumer), Username: "basic-" + suffix, Password: "hash"}
	f.JWT = entity.NewJWT()
	f.JWT.Consumer, f.JWT.Key, f.JWT.Secret = ref(f.Consumer), "iss-"+suffix, "s3cret"
	f.ACL = &entity.ACL{Consumer: ref(f.Consumer), Group: "admins"}
	mustInsert(t, s, f.Plugin, f.KeyAuth, f.BasicAuth, f.JWT, f.ACL)
	f.Cert.SNIs = []string{f.SNI.Name} // what reads return
	return f
}
