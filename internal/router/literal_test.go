package router

import (
	"regexp"
	"testing"

	"github.com/gantryhq/gantry/internal/entity"
)

func TestLiteralStart(t *testing.T) {
	t.Parallel()
	cases := []struct{ pattern, want string }{
		{`^/users/\d+`, "/users/"},
		{`^/x.*`, "/x"},
		{`^/ab+`, "/a"},
		{`^/a?`, "/"},
		{`^/a|/b`, ""},
		{`^(?i)/abc`, ""},
		{`^(/a)`, ""},
		{`^/caf\x{e9}/`, "/caf"},
		{`^`, ""},
		{`^.*admin`, ""},
	}
	for _, tc := range cases {
		t.Run(tc.pattern, func(t *testing.T) {
			if got := literalStart(regexp.MustCompile(tc.pattern)); got != tc.want {
				t.Errorf("literalStart(%q) = %q, want %q", tc.pattern, got, tc.want)
			}
		})
	}
}

func TestMatchRegexIndexing(t *testing.T) {
	t.Parallel()
	runMatchCases(t, []matchCase{
		{name: "case-insensitive regex", routes: []*entity.Route{route("ci", paths(`~(?i)/abc`))}, req: Request{Path: "/ABC"}, want: "ci"},
		{name: "non-ASCII literal", routes: []*entity.Route{route("cafe", paths(`~/café/\d`))}, req: Request{Path: "/caf%C3%A9/1"}, want: "cafe"},
		{name: "regex under a prefix route", routes: []*entity.Route{route("prefix", paths("/users")), route("regex", paths(`~/users/\d+$`))}, req: Request{Path: "/users/x"}, want: "prefix"},
	})
}
