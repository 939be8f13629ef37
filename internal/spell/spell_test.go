package spell

import "testing"

func TestClosest(t *testing.T) {
	t.Parallel()
	names := []string{"proxy_listen", "admin_listen", "log_level", "key-auth", "basic-auth", "cors"}
	for word, want := range map[string]string{
		"proxy_listn":  "proxy_listen", // one letter missing
		"log_levle":    "log_level",    // two swapped: distance 2
		"key_auth":     "key-auth",
		"cros":         "", // short: distance 2 is too far
		"corz":         "cors",
		"frobnicate":   "",
		"admin_listen": "admin_listen", // itself
	} {
		if got := Closest(word, names); got != want {
			t.Errorf("Closest(%q) = %q, want %q", word, got, want)
		}
	}
}

func TestDistance(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		a, b string
		want int
	}{{"", "", 0}, {"a", "", 1}, {"kitten", "sitting", 3}, {"flaw", "lawn", 2}, {"same", "same", 0}} {
		if got := Distance(tt.a, tt.b); got != tt.want || Distance(tt.b, tt.a) != tt.want {
			t.Errorf("Distance(%q, %q) = %d, want %d both ways", tt.a, tt.b, got, tt.want)
		}
	}
}
