package balancer

import (
	"net/url"
	"testing"
)

func TestQueryArg(t *testing.T) {
	t.Parallel()
	cases := []struct {
		raw, want string
		found     bool
	}{
		{"user=alice", "alice", true},
		{"a=1&user=bob&b=2", "bob", true},
		{"user=b&user=a", "a,b", true}, // Kong sorts repeated values
		{"user", "true", true},         // a bare argument counts as true
		{"user=", "", true},
		{"us%65r=x%20y", "x y", true},
		{"users=1&xuser=2", "", false},
		{"", "", false},
	}
	for _, tc := range cases {
		t.Run(tc.raw, func(t *testing.T) {
			t.Parallel()
			got, _, found := queryArg(tc.raw, "user")
			if got != tc.want || found != tc.found {
				t.Fatalf("queryArg(%q) = %q, %v; want %q, %v", tc.raw, got, found, tc.want, tc.found)
			}
		})
	}
}

// FuzzQueryArg checks that any query string is handled and that a value
// encoded by net/url comes back unchanged.
func FuzzQueryArg(f *testing.F) {
	f.Add("user=a&user=b", "x y&z")
	f.Add("%zz=1&user", "")
	f.Fuzz(func(t *testing.T, raw, value string) {
		queryArg(raw, "user") // must not panic
		q := url.Values{"user": {value}, "other": {raw}}
		if got, _, ok := queryArg(q.Encode(), "user"); !ok || got != value {
			t.Fatalf("value %q encoded as %q came back as %q (found %v)", value, q.Encode(), got, ok)
		}
	})
}
