package router

import (
	"strings"
	"testing"
)

func TestNormalizePath(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, want string }{
		{"", "/"},
		{"/", "/"},
		{"/a/b", "/a/b"},
		{"/a/b?x=1", "/a/b"},
		{"/a/b/", "/a/b/"},
		{"/%41%62c", "/Abc"},
		{"/%7e%7E", "/~~"},
		{"/a%2fb", "/a%2Fb"},
		{"/a%2Fb", "/a%2Fb"},
		{"/%3f%23%25", "/%3F%23%25"},
		{"/a%20b", "/a b"},
		{"/a%zzb", "/a%zzb"},
		{"/a%4", "/a%4"},
		{"/a/./b", "/a/b"},
		{"/a/../b", "/b"},
		{"/a/b/..", "/a/"},
		{"/a/b/.", "/a/b/"},
		{"/..", "/"},
		{"/../../a", "/a"},
		{"/a/%2e%2e/b", "/b"},
		{"/a/%2E/b", "/a/b"},
		{"//a///b//", "/a/b/"},
		{"/a/.b/..c/", "/a/.b/..c/"},
		{"/a./b", "/a./b"},
		{"a/b", "/a/b"},
		{"*", "/*"},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			if got := NormalizePath(tc.in); got != tc.want {
				t.Errorf("NormalizePath(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestEscapePath(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, want string }{
		{"/a/b", "/a/b"},
		{"/a b", "/a%20b"},
		{"/é", "/%C3%A9"},
		{"/a%2Fb", "/a%2Fb"},
		{"/a\"<>{}|\\^`", "/a%22%3C%3E%7B%7D%7C%5C%5E%60"},
		{"/!$&'()*+,;=:@[]~-._", "/!$&'()*+,;=:@[]~-._"},
		{"/\x00\x7f", "/%00%7F"},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			if got := escapePath(tc.in); got != tc.want {
				t.Errorf("escapePath(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func FuzzNormalizePath(f *testing.F) {
	for _, s := range []string{"/", "/a/../b", "/%2e%2e/%2F", "//x//./y/..", "/a%zz%4", "a/./b", "/..%2f.."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		p := NormalizePath(raw)
		if !strings.HasPrefix(p, "/") {
			t.Fatalf("NormalizePath(%q) = %q: no leading slash", raw, p)
		}
		if strings.Contains(p, "?") {
			t.Fatalf("NormalizePath(%q) = %q: query string kept", raw, p)
		}
		for _, bad := range []string{"//", "/./", "/../"} {
			if strings.Contains(p, bad) {
				t.Fatalf("NormalizePath(%q) = %q: contains %q", raw, p, bad)
			}
		}
		if strings.HasSuffix(p, "/.") || strings.HasSuffix(p, "/..") {
			t.Fatalf("NormalizePath(%q) = %q: ends in a dot segment", raw, p)
		}
		if e := escapePath(p); escapePath(e) != e {
			t.Fatalf("escapePath(%q) = %q is not stable", p, e)
		}
	})
}
