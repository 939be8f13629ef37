package router

import "testing"

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
