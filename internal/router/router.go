// Package router matches requests to routes with Kong 3.x
// "traditional_compatible" semantics and computes the upstream path.
//
// A Router is immutable once built: the proxy builds one per config snapshot
// and matches on it without locks.
package router

import (
	"net/http"
	"net/netip"

	"github.com/gantryhq/gantry/internal/entity"
)

// Request is what the router sees of a request.
type Request struct {
	Method  string
	Host    string // Host header without port, any case
	Path    string // raw (escaped) path, without the query string
	Headers http.Header
	SNI     string // TLS server name, "" for plain text
	SrcIP   netip.Addr
	SrcPort int
	DstIP   netip.Addr
	DstPort int
}

// Match is the result of a successful match.
type Match struct {
	Route   *entity.Route
	Service *entity.Service // nil when the route has no service
	// UpstreamPath is the path to send upstream: strip_path applied and the
	// service path joined per path_handling, still escaped.
	UpstreamPath string
	// Captures holds the regex path captures by name and by index ("1", "2"...),
	// used by uri_capture hashing and plugins.
	Captures map[string]string
}

// Router is a compiled, immutable set of routes.
type Router struct {
	// filled by the router implementation
}

// New compiles routes. services is used to resolve each route's service; a
// route whose service is missing from it is an error. Invalid regexes are
// reported with the route and the path.
func New(routes []*entity.Route, services []*entity.Service) (*Router, error) {
	return &Router{}, nil
}

// Match finds the best route for req, or returns nil.
func (r *Router) Match(req *Request) *Match {
	return nil
}
