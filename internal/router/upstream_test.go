package router

import (
	"fmt"
	"testing"

	"github.com/gantryhq/gantry/internal/entity"
)

// TestUpstreamPath covers Kong's path handling table (Admin API reference,
// route object, "Path handling algorithms") and the trailing-slash cases of
// Kong's v0 algorithm.
func TestUpstreamPath(t *testing.T) {
	t.Parallel()
	cases := []struct {
		service  string // "-" for a route without service
		path     string // route path, "" for none
		strip    bool
		handling string
		request  string
		want     string
	}{
		// Kong's documented table, v0 rows. (Its v1 rows hold for Kong's
		// "traditional" router only: see the v1 cases below.)
		{"/s", "/fv0", false, "v0", "/fv0req", "/s/fv0req"},
		{"/s", "/tv0", true, "v0", "/tv0req", "/s/req"},
		{"/s", "/fv0/", false, "v0", "/fv0/req", "/s/fv0/req"},
		{"/s", "/tv0/", true, "v0", "/tv0/req", "/s/req"},
		// v0, service path "/" or unset.
		{"/", "/", true, "v0", "/", "/"},
		{"", "/foo", true, "v0", "/foo", "/"},
		{"-", "/foo", true, "v0", "/foo/bar", "/bar"},
		{"/", "/foo", true, "v0", "/foo/", "/"},
		{"/", "/foo", true, "v0", "/foo/bar", "/bar"},
		{"/", "/foo/", true, "v0", "/foo/bar", "/bar"},
		{"/", "/foo", true, "v0", "/foobar", "/bar"},
		{"/", "/foo", false, "v0", "/foo/bar", "/foo/bar"},
		{"/", "/foo", false, "v0", "/foo/", "/foo/"},
		// v0, service path without trailing slash.
		{"/s", "/foo", true, "v0", "/foo", "/s"},
		{"/s", "/foo", true, "v0", "/foo/", "/s/"},
		{"/s", "/foo", true, "v0", "/foo/bar", "/s/bar"},
		{"/s", "/foo/", true, "v0", "/foo/", "/s/"},
		{"/s", "/foo", false, "v0", "/foo", "/s/foo"},
		{"/s", "/foo", false, "v0", "/foo/", "/s/foo/"},
		{"/s", "/", false, "v0", "/", "/s"},
		{"/s", "", true, "v0", "/foo", "/s/foo"},
		{"/s", "", false, "v0", "/", "/s"},
		// v0, service path with trailing slash.
		{"/s/", "/foo", true, "v0", "/foo", "/s"},
		{"/s/", "/foo", true, "v0", "/foo/", "/s/"},
		{"/s/", "/foo/", true, "v0", "/foo/", "/s/"},
		{"/s/", "/foo", true, "v0", "/foo/bar", "/s/bar"},
		{"/s/", "/foo/", true, "v0", "/foo/bar", "/s/bar"},
		{"/s/", "/foo", false, "v0", "/foo/bar", "/s/foo/bar"},
		{"/s/", "/", false, "v0", "/", "/s/"},
		// v1 joins as v0 does: Kong 3.x's traditional_compatible router
		// always uses v0 ("path_handling='v1' ... will not work under
		// traditional_compatible"); Kong 2.x's v1 gave /sfv1req, /sreq,
		// /sfv1/req, /sreq, /sbar, /sfoo/bar for the rows marked "2.x".
		{"/s", "/fv1", false, "v1", "/fv1req", "/s/fv1req"},    // 2.x
		{"/s", "/tv1", true, "v1", "/tv1req", "/s/req"},        // 2.x
		{"/s", "/fv1/", false, "v1", "/fv1/req", "/s/fv1/req"}, // 2.x
		{"/s", "/tv1/", true, "v1", "/tv1/req", "/s/req"},      // 2.x
		{"/s", "/foo", true, "v1", "/foo", "/s"},
		{"/s", "/foo", true, "v1", "/foo/bar", "/s/bar"},
		{"/s/", "/foo", true, "v1", "/foo/bar", "/s/bar"},
		{"/s/", "/foo/", true, "v1", "/foo/bar", "/s/bar"},
		{"/s", "/foo/", true, "v1", "/foo/bar", "/s/bar"},     // 2.x
		{"/s", "/foo", false, "v1", "/foo/bar", "/s/foo/bar"}, // 2.x
		{"/s/", "/foo", false, "v1", "/foo/bar", "/s/foo/bar"},
		{"/", "/foo", true, "v1", "/foo/bar", "/bar"},
		// Regex paths strip what the regex matched.
		{"/s", `~/users/\d+`, true, "v0", "/users/42/profile", "/s/profile"},
		{"/s", `~/users/\d+`, false, "v0", "/users/42/profile", "/s/users/42/profile"},
		{"/", `~/users/\d+`, true, "v0", "/users/42", "/"},
		// Stripping may leave a dot segment start, which Kong drops.
		{"/s", "/foo", true, "v0", "/foo./bar", "/s/bar"},
		// Normalized paths are re-escaped for the upstream.
		{"/", "/a", false, "v0", "/a/b%20c", "/a/b%20c"},
		{"/", "/a", false, "v0", "/a/%7Euser", "/a/~user"},
		{"/", "/a", false, "v0", "/a/x%2fy", "/a/x%2Fy"},
		{"/", "/a", false, "v0", "/a/caf%C3%A9", "/a/caf%C3%A9"},
		{"/", "/a", true, "v0", "/a/../a/b", "/b"},
	}
	for _, tc := range cases {
		name := fmt.Sprintf("%s %s strip=%v %s %s", tc.service, tc.path, tc.strip, tc.handling, tc.request)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var services []*entity.Service
			r := route("r", func(r *entity.Route) {
				r.StripPath = tc.strip
				r.PathHandling = tc.handling
				if tc.path != "" {
					r.Paths = []string{tc.path}
				} else {
					r.Methods = []string{"GET"}
				}
			})
			if tc.service != "-" {
				svc := entity.NewService()
				svc.ID = "11111111-0000-4000-8000-000000000000"
				svc.Path = tc.service
				services = append(services, svc)
				r.Service = &entity.Ref{ID: svc.ID}
			}
			rt, err := New([]*entity.Route{r}, services)
			if err != nil {
				t.Fatal(err)
			}
			m := rt.Match(&Request{Method: "GET", Path: tc.request})
			if m == nil {
				t.Fatalf("no match")
			}
			if m.UpstreamPath != tc.want {
				t.Errorf("upstream path = %q, want %q", m.UpstreamPath, tc.want)
			}
		})
	}
}
