package router

import (
	"fmt"
	"testing"

	"github.com/gantryhq/gantry/internal/entity"
)

// route returns a route with Kong's defaults, the given name (also used to
// derive its id) and whatever set changes.
func route(name string, set func(r *entity.Route)) *entity.Route {
	r := entity.NewRoute()
	r.Name = name
	r.ID = fmt.Sprintf("00000000-0000-4000-8000-%012x", hash12(name))
	r.CreatedAt = 1700000000
	if set != nil {
		set(r)
	}
	return r
}

func hash12(s string) uint64 {
	var h uint64 = 14695981039346656037
	for i := 0; i < len(s); i++ {
		h = (h ^ uint64(s[i])) * 1099511628211
	}
	return h & 0xffffffffffff
}

func paths(p ...string) func(*entity.Route) {
	return func(r *entity.Route) { r.Paths = p }
}

func hosts(h ...string) func(*entity.Route) {
	return func(r *entity.Route) { r.Hosts = h }
}

// with combines setters.
func with(fs ...func(*entity.Route)) func(*entity.Route) {
	return func(r *entity.Route) {
		for _, f := range fs {
			f(r)
		}
	}
}

// matchCase is one request against a set of routes and the route name
// expected to win ("" for no match).
type matchCase struct {
	name   string
	routes []*entity.Route
	req    Request
	want   string
}

func runMatchCases(t *testing.T, cases []matchCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r, err := New(tc.routes, nil)
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			req := tc.req
			if req.Path == "" {
				req.Path = "/"
			}
			if req.Method == "" {
				req.Method = "GET"
			}
			got := ""
			if m := r.Match(&req); m != nil {
				got = m.Route.Name
			}
			if got != tc.want {
				t.Errorf("request %+v matched %q, want %q", tc.req, got, tc.want)
			}
		})
	}
}
