package plugintest

import (
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/google/uuid"

	"github.com/gantryhq/gantry/internal/entity"
)

// Echoed is what the default upstream answers: the request it received.
type Echoed struct {
	Method  string      `json:"method"`
	Host    string      `json:"host"`
	Path    string      `json:"path"`
	Query   string      `json:"query"`
	Headers http.Header `json:"headers"`
	Body    string      `json:"body"`
}

// Echo is the default upstream: it answers 200 with the request as JSON,
// so tests see exactly what the plugins sent upstream.
func Echo(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Upstream", "echo")
	_ = json.NewEncoder(w).Encode(Echoed{
		Method: r.Method, Host: r.Host, Path: r.URL.Path, Query: r.URL.RawQuery, Headers: r.Header, Body: string(b),
	})
}

// DecodeEcho decodes an Echo answer, failing the test when b is not one
// (for example a gateway-made answer).
func DecodeEcho(t testing.TB, b []byte) Echoed {
	t.Helper()
	var e Echoed
	if err := json.Unmarshal(b, &e); err != nil || e.Method == "" {
		t.Fatalf("plugintest: not an upstream echo: %s", b)
	}
	return e
}

// ID turns a readable test id ("c-alice") into the UUID entities must
// carry, the same one every time; a UUID is returned as is. Tests name
// entities with readable ids and compare what the proxy reports (for
// example X-Consumer-ID) with ID of them.
func ID(name string) string {
	if name == "" || entity.IsUUID(name) {
		return name
	}
	return uuid.NewSHA1(uuid.NameSpaceOID, []byte("gantry-plugintest:"+name)).String()
}

// Ref is a reference to the entity of readable id name (see ID).
func Ref(name string) *entity.Ref { return &entity.Ref{ID: ID(name)} }

// Service returns a service with Kong's defaults, named id, with ID(id).
func Service(id string) *entity.Service {
	s := entity.NewService()
	s.ID, s.Name, s.Host = ID(id), id, PlaceholderHost
	return s
}

// Route returns a route named id of service serviceID ("" for none)
// matching paths. Ids are readable ones (see ID).
func Route(id, serviceID string, paths ...string) *entity.Route {
	r := entity.NewRoute()
	r.ID, r.Name, r.Paths = ID(id), id, paths
	if serviceID != "" {
		r.Service = Ref(serviceID)
	}
	return r
}

// Consumer returns a consumer with ID(id) and that username.
func Consumer(id, username string) *entity.Consumer {
	c := &entity.Consumer{Username: username}
	c.ID = ID(id)
	return c
}

// Scope says what a plugin instance attaches to, by readable ids (see
// ID); empty fields mean "any".
type Scope struct {
	Route, Service, Consumer string
}

// Plugin returns an enabled plugin instance with a fresh id.
func Plugin(name string, config map[string]any, scope Scope) *entity.Plugin {
	p := entity.NewPlugin()
	p.ID, p.Name = uuid.NewString(), name
	if config != nil {
		p.Config = config
	}
	if scope.Route != "" {
		p.Route = Ref(scope.Route)
	}
	if scope.Service != "" {
		p.Service = Ref(scope.Service)
	}
	if scope.Consumer != "" {
		p.Consumer = Ref(scope.Consumer)
	}
	return p
}

// Basic returns a config with one service "svc" and one route "r" on "/"
// carrying plugins, the shape most plugin tests need.
func Basic(plugins ...*entity.Plugin) *entity.Config {
	return &entity.Config{
		Services: []*entity.Service{Service("svc")},
		Routes:   []*entity.Route{Route("r", "svc", "/")},
		Plugins:  plugins,
	}
}
