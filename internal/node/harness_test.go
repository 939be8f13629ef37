package node_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/engine"
	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/node"
	"github.com/gantryhq/gantry/internal/pipeline"
	"github.com/gantryhq/gantry/internal/settings"
	"github.com/gantryhq/gantry/internal/status"
)

// The harness assembles a whole node from its real parts the way
// internal/app does for each role: a pipeline applying to the proxy
// engine (none on a control plane), the status listener, and what a test
// adds (an Admin API, a cluster component, a test provider).

// setup says what a test node is made of.
type setup struct {
	settings *settings.Settings
	// source is the node's provider: it gives the start configuration and
	// a test reloads it. Nil: the node starts with an empty configuration.
	source *switchSource
	// ready and extra are the status listener's Ready and Extra.
	ready func() error
	extra func() map[string]any
	// admin returns the handler served on admin_listen. It is called
	// before the node exists: it may use n.id, n.pipe and n.current, not
	// n.Node. Nil: no Admin API.
	admin func(n *testNode) http.Handler
	// cluster is the work of a component on cluster_listen named "hybrid
	// mode", as a control plane's; see hookComponent. Nil: none.
	cluster clusterHook
}

// testNode is a node assembled by newNode.
type testNode struct {
	*node.Node
	id     string
	pipe   *pipeline.Pipeline
	engine *engine.Engine // nil on a control plane
	// stop cancels a node started by runNode and returns Run's result (it
	// may be called twice).
	stop func() error
}

// newNode assembles the node of su without running it; its error is the
// one that stops a node's assembly (the proxy's certificate, for one).
func newNode(su setup) (*testNode, error) {
	s := su.settings
	log := slog.New(slog.DiscardHandler)
	id, err := node.Identity(s.Prefix)
	if err != nil {
		return nil, err
	}
	n := &testNode{id: id}
	st := status.Options{NodeID: id, Role: string(s.Role), Ready: su.ready, Extra: su.extra,
		Draining: func() bool { return n.Draining() }}
	var comps []node.Component
	if s.Role == settings.RoleControlPlane {
		n.pipe = pipeline.New(pipeline.ApplyFunc(func(context.Context, pipeline.Update) error { return nil }), log)
	} else {
		if n.engine, err = engine.New(s, log, nil); err != nil {
			return nil, err
		}
		n.pipe = pipeline.New(n.engine, log)
		e := n.engine
		st.Server = e.ServerStatus
		st.Collectors = append(st.Collectors, e.Collector())
		st.Routes = func(mux *http.ServeMux) { e.RegisterUpstreams(mux, id) }
		comps = append(comps, e)
	}
	st.Current = func() entity.Valid { return n.pipe.Current().Config }
	st.Collectors = append(st.Collectors, n.pipe.Collectors()...)
	h, err := status.Handler(st)
	if err != nil {
		return nil, err
	}
	comps = append([]node.Component{&node.HTTP{Component: "status", Handler: h, Cert: s.StatusSSLCert, Key: s.StatusSSLCertKey, Logger: log}}, comps...)
	if su.admin != nil {
		comps = append(comps, &node.HTTP{Component: "admin", Handler: su.admin(n), Cert: s.AdminSSLCert, Key: s.AdminSSLCertKey,
			ClientCA: s.AdminSSLClientCA, Logger: log})
	}
	if su.cluster != nil {
		comps = append(comps, &hookComponent{n: n, hook: su.cluster})
	}
	var provs []pipeline.Provider
	if su.source != nil {
		provs = append(provs, su.source)
	}
	n.Node, err = node.New(node.Options{Settings: s, Logger: log, Pipeline: n.pipe, Providers: provs, Components: comps})
	if err != nil {
		return nil, err
	}
	return n, nil
}

// runNode starts the node of su and stops it at the end of the test.
func runNode(t *testing.T, su setup) *testNode {
	t.Helper()
	n, err := newNode(su)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	var runErr error
	go func() { runErr = n.Run(ctx); close(done) }()
	n.stop = func() error {
		cancel()
		select {
		case <-done:
			return runErr
		case <-time.After(15 * time.Second):
			t.Error("node did not stop within 15s")
			return nil
		}
	}
	select {
	case <-n.Bound():
	case <-done:
		t.Fatalf("node stopped during start-up: %v", runErr)
	case <-time.After(10 * time.Second):
		cancel()
		t.Fatal("node did not bind its listeners within 10s")
	}
	t.Cleanup(func() { n.stop() })
	return n
}

// current is the configuration the pipeline applied last and its hash, as
// the Admin API's GET /config and the status listener read them.
func (n *testNode) current() (*entity.Config, string) {
	v := n.pipe.Current().Config
	return v.Config(), v.Hash()
}

// hash is the hash of the snapshot the proxy serves.
func (n *testNode) hash() string { return n.engine.Hash() }

// switchSource is the test provider: it loads a configuration (or an
// error) a test sets, at start and on every Reload, through
// pipeline.Follow as the declarative file's provider does.
type switchSource struct {
	mu  sync.Mutex
	cfg *entity.Config
	err error

	once   sync.Once
	kick   chan struct{}
	result chan error // one per reload Follow ran: nil, or the error it logged
}

func (s *switchSource) set(cfg *entity.Config, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cfg, s.err = cfg, err
}

func (s *switchSource) chans() (chan struct{}, chan error) {
	s.once.Do(func() { s.kick, s.result = make(chan struct{}, 1), make(chan error, 1) })
	return s.kick, s.result
}

// Name implements pipeline.Provider.
func (s *switchSource) Name() string { return "test source" }

func (s *switchSource) load(context.Context) (pipeline.Update, error) {
	s.mu.Lock()
	cfg, err := s.cfg, s.err
	s.mu.Unlock()
	if err != nil {
		return pipeline.Update{}, err
	}
	v, err := cfg.Check(entity.Checks{})
	return pipeline.Update{Config: v, Source: s.Name()}, err
}

// Initial implements pipeline.Starter.
func (s *switchSource) Initial(ctx context.Context, sink pipeline.Sink) error {
	return sink.Reload(ctx, s.load)
}

// Run implements pipeline.Provider: pipeline.Follow reloads on every
// Reload; what came of each reload goes to Reload's caller.
func (s *switchSource) Run(ctx context.Context, sink pipeline.Sink) error {
	kick, result := s.chans()
	log := slog.New(errorsTo(result))
	pipeline.Follow(ctx, kick, log, s.Name(), s.load, reportingSink{Sink: sink, result: result})
	return nil
}

// Reload has the running node load the source again and returns what
// came of it: nil, or the error pipeline.Follow logged for the failure.
func (s *switchSource) Reload(ctx context.Context) error {
	kick, result := s.chans()
	kick <- struct{}{}
	select {
	case err := <-result:
		return err
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(10 * time.Second):
		return errors.New("the reload did not finish within 10s")
	}
}

// reportingSink reports the reloads that succeed; Follow logs the others.
type reportingSink struct {
	pipeline.Sink
	result chan<- error
}

func (r reportingSink) Reload(ctx context.Context, load func(context.Context) (pipeline.Update, error)) error {
	err := r.Sink.Reload(ctx, load)
	if err == nil {
		report(r.result, nil)
	}
	return err
}

// report sends err unless a result is already waiting (its Reload gave
// up), so Follow never blocks on it.
func report(ch chan<- error, err error) {
	select {
	case ch <- err:
	default:
	}
}

// errorsTo is a slog.Handler turning every error logged into an error
// with its message on the channel.
type errorsTo chan<- error

func (h errorsTo) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelError }
func (h errorsTo) Handle(_ context.Context, r slog.Record) error {
	report(h, errors.New(r.Message))
	return nil
}
func (h errorsTo) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h errorsTo) WithGroup(string) slog.Handler      { return h }

// clusterHook is the work of a component on cluster_listen: started with
// the bound listeners (which it then owns), its run blocks until ctx ends,
// which happens when the node stops; an earlier error stops the node.
type clusterHook func(n *testNode, lns []node.Listener) (run func(ctx context.Context) error, err error)

// hookComponent is a node.Component running a clusterHook, named as a
// control plane's cluster component is.
type hookComponent struct {
	n    *testNode
	hook clusterHook
	run  node.Background
}

func (c *hookComponent) Name() string   { return "hybrid mode" }
func (c *hookComponent) Listen() string { return "cluster_listen" }

func (c *hookComponent) Start(ctx context.Context, lns []node.Listener, fail func(error)) error {
	run, err := c.hook(c.n, lns)
	if err != nil {
		for _, l := range lns {
			l.Close()
		}
		return err
	}
	c.run.Go(ctx, func(ctx context.Context) { fail(run(ctx)) })
	return nil
}

func (c *hookComponent) Stop(ctx context.Context) error { return c.run.Stop(ctx) }

// nodeSettings returns DB-less settings on loopback port 0 in a fresh prefix.
func nodeSettings(t *testing.T, extra ...settings.Flag) *settings.Settings {
	t.Helper()
	flags := []settings.Flag{
		{Key: "prefix", Value: t.TempDir()},
		{Key: "database", Value: "off"},
		{Key: "proxy_listen", Value: "127.0.0.1:0"},
		{Key: "status_listen", Value: "127.0.0.1:0"},
		{Key: "drain_timeout", Value: "5"},
	}
	c, err := settings.Load(settings.Options{DefaultConfFile: "/nonexistent/gantry.conf", Flags: append(flags, extra...)})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// upstream is a real HTTP server on loopback answering its name.
func upstream(t *testing.T, name string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if d, err := time.ParseDuration(r.URL.Query().Get("sleep")); err == nil {
			time.Sleep(d)
		}
		io.WriteString(w, name)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// oneRoute is a config routing every path to url.
func oneRoute(url string) *entity.Config {
	svc := entity.NewService()
	svc.ID, svc.Name, svc.URL = "8a9d1b36-4c39-4d52-9a43-5cb0b2a3c1a1", "svc", url
	entity.Normalize(svc)
	rt := entity.NewRoute()
	rt.ID, rt.Name, rt.Paths = "0f3b6a8e-7c2d-4f61-8e0a-2b9c5d4e3f21", "all", []string{"/"}
	rt.Service = &entity.Ref{ID: svc.ID}
	return &entity.Config{Services: []*entity.Service{svc}, Routes: []*entity.Route{rt}}
}

var errBroken = errors.New("services[0].url: invalid url")

func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}
