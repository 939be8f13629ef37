package router

import (
	"maps"
	"strings"
	"testing"

	"github.com/gantryhq/gantry/internal/entity"
)

func TestMatchPaths(t *testing.T) {
	t.Parallel()
	short := route("short", paths("/api"))
	long := route("long", paths("/api/v1"))
	root := route("root", paths("/"))
	users := route("users", paths(`~/users/\d+$`))
	prefixes := []*entity.Route{root, short, long}
	runMatchCases(t, []matchCase{
		{name: "prefix", routes: prefixes, req: Request{Path: "/api/x"}, want: "short"},
		{name: "longest prefix wins", routes: prefixes, req: Request{Path: "/api/v1/users"}, want: "long"},
		{name: "longest prefix wins whatever the order", routes: []*entity.Route{long, short, root}, req: Request{Path: "/api/v1"}, want: "long"},
		{name: "prefix is not segment-aware", routes: prefixes, req: Request{Path: "/apiary"}, want: "short"},
		{name: "root catches the rest", routes: prefixes, req: Request{Path: "/other"}, want: "root"},
		{name: "prefix is case-sensitive", routes: []*entity.Route{short}, req: Request{Path: "/API"}, want: ""},
		{name: "query string is ignored", routes: []*entity.Route{route("exact", paths(`~/a$`))}, req: Request{Path: "/a?x=1"}, want: "exact"},
		{name: "regex", routes: []*entity.Route{users}, req: Request{Path: "/users/42"}, want: "users"},
		{name: "regex is anchored at the start", routes: []*entity.Route{users}, req: Request{Path: "/v1/users/42"}, want: ""},
		{name: "regex is not anchored at the end", routes: []*entity.Route{route("open", paths(`~/users/\d+`))}, req: Request{Path: "/users/42/x"}, want: "open"},
		{name: "regex end anchor", routes: []*entity.Route{users}, req: Request{Path: "/users/42/x"}, want: ""},
		{name: "regex without literal start", routes: []*entity.Route{route("any", paths(`~.*/end$`))}, req: Request{Path: "/a/b/end"}, want: "any"},
		{name: "regex with top-level alternation", routes: []*entity.Route{route("alt", paths(`~/a|/b`))}, req: Request{Path: "/b"}, want: "alt"},
		{name: "regex beats a longer prefix", routes: []*entity.Route{route("prefix", paths("/users/42")), route("regex", paths(`~/users`))}, req: Request{Path: "/users/42"}, want: "regex"},
		{name: "higher regex_priority wins", routes: []*entity.Route{
			route("low", paths(`~/a`)),
			route("high", with(paths(`~/a/b`), func(r *entity.Route) { r.RegexPriority = 5 })),
		}, req: Request{Path: "/a/b"}, want: "high"},
		{name: "negative regex_priority loses", routes: []*entity.Route{
			route("neg", with(paths(`~/a`), func(r *entity.Route) { r.RegexPriority = -1 })),
			route("zero", paths(`~/a`)),
		}, req: Request{Path: "/a"}, want: "zero"},
		{name: "equal regex_priority: older route first", routes: []*entity.Route{
			route("newer", with(paths(`~/a`), func(r *entity.Route) { r.CreatedAt = 20 })),
			route("older", with(paths(`~/a`), func(r *entity.Route) { r.CreatedAt = 10 })),
		}, req: Request{Path: "/a"}, want: "older"},
		{name: "equal created_at: lower id first", routes: []*entity.Route{
			route("b", with(paths(`~/a`), func(r *entity.Route) { r.ID = "bbbbbbbb-0000-4000-8000-000000000000" })),
			route("a", with(paths(`~/a`), func(r *entity.Route) { r.ID = "aaaaaaaa-0000-4000-8000-000000000000" })),
		}, req: Request{Path: "/a"}, want: "a"},
		{name: "one route's paths rank by group", routes: []*entity.Route{
			route("mixed", paths("/a", "/abcdef")),
			route("middle", paths("/abc")),
		}, req: Request{Path: "/abcdefg"}, want: "mixed"},
		{name: "one route's short path loses to a longer route path", routes: []*entity.Route{
			route("mixed", paths("/a", "/abcdef")),
			route("middle", paths("/abc")),
		}, req: Request{Path: "/abcd"}, want: "middle"},
		{name: "path percent-decoded before matching", routes: []*entity.Route{route("tilde", paths("/~user"))}, req: Request{Path: "/%7Euser"}, want: "tilde"},
		{name: "reserved characters stay encoded", routes: []*entity.Route{route("slash", paths("/a/b"))}, req: Request{Path: "/a%2Fb"}, want: ""},
		{name: "dot segments removed before matching", routes: []*entity.Route{short, route("admin", paths("/admin"))}, req: Request{Path: "/api/../admin"}, want: "admin"},
		{name: "encoded dot segments removed too", routes: []*entity.Route{short, route("admin", paths("/admin"))}, req: Request{Path: "/api/%2e%2e/admin"}, want: "admin"},
		{name: "double slashes merged", routes: []*entity.Route{long}, req: Request{Path: "//api//v1"}, want: "long"},
		{name: "regex sees the decoded path", routes: []*entity.Route{route("space", paths(`~/a b$`))}, req: Request{Path: "/a%20b"}, want: "space"},
	})
}

func TestMatchCaptures(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		path  string
		req   string
		want  map[string]string
		strip string
	}{
		{"named PCRE group", `~/users/(?<id>\d+)`, "/users/42/x", map[string]string{"0": "/users/42", "1": "42", "id": "42"}, "/users/42"},
		{"numbered groups", `~/(\w+)/(\w+)`, "/a/b", map[string]string{"0": "/a/b", "1": "a", "2": "b"}, "/a/b"},
		{"Go named group", `~/(?P<x>a)`, "/a", map[string]string{"0": "/a", "1": "a", "x": "a"}, "/a"},
		{"optional group absent", `~/a(?<opt>b)?`, "/a", map[string]string{"0": "/a"}, "/a"},
		{"no groups, no captures", `~/a`, "/a", nil, "/a"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r, err := New([]*entity.Route{route("r", paths(tc.path))}, nil)
			if err != nil {
				t.Fatal(err)
			}
			m := r.Match(&Request{Method: "GET", Path: tc.req})
			if m == nil {
				t.Fatalf("no match for %s", tc.req)
			}
			if !maps.Equal(m.Captures, tc.want) {
				t.Errorf("captures = %v, want %v", m.Captures, tc.want)
			}
			if m.StrippedPrefix != tc.strip {
				t.Errorf("stripped prefix = %q, want %q", m.StrippedPrefix, tc.strip)
			}
		})
	}
}

func TestMatchFirstRegexOfRouteGivesCaptures(t *testing.T) {
	t.Parallel()
	r, err := New([]*entity.Route{route("r", paths(`~/x/(?<b>.+)`, `~/(?<a>.+)`))}, nil)
	if err != nil {
		t.Fatal(err)
	}
	m := r.Match(&Request{Method: "GET", Path: "/x/y"})
	if m == nil || m.Captures["b"] != "y" || m.Captures["a"] != "" {
		t.Fatalf("want captures from the first listed regex that matches, got %+v", m)
	}
}

func TestNewRejectsInvalidRegex(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		route *entity.Route
		want  []string
	}{
		{"path", route("bad-path", paths("/ok", "~/(unclosed")), []string{"bad-path", "~/(unclosed", "regex"}},
		{"header", route("bad-header", func(r *entity.Route) {
			r.Headers = map[string][]string{"x-v": {"~*[z-a]"}}
		}), []string{"bad-header", "x-v", "~*[z-a]"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := New([]*entity.Route{tc.route}, nil)
			if err == nil {
				t.Fatal("New accepted an invalid regex")
			}
			for _, w := range append(tc.want, tc.route.ID) {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}
