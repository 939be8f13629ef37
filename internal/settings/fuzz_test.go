package settings

import (
	"reflect"
	"strings"
	"testing"
)

// FuzzParseListen: any input either fails with a message or parses into
// listeners whose String form parses back to the same listeners.
func FuzzParseListen(f *testing.F) {
	for _, s := range []string{"off", "0.0.0.0:8000, 0.0.0.0:8443 ssl", "[::1]:0 ssl http2 reuseport proxy_protocol", "a:1,", ":80", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		ls, err := ParseListen(in)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		if ls == nil {
			return // off
		}
		parts := make([]string, len(ls))
		for i, l := range ls {
			parts[i] = l.String()
		}
		again, err := ParseListen(strings.Join(parts, ", "))
		if err != nil || !reflect.DeepEqual(again, ls) {
			t.Fatalf("%q parsed to %v, whose String form gives %v, %v", in, ls, again, err)
		}
	})
}

// FuzzParseFile: gantry.conf parsing never panics, and every error names
// the file and a line.
func FuzzParseFile(f *testing.F) {
	f.Add("role = traditional\n# comment\npg_password = a\\#b\n")
	f.Add("=\n\n  x  \nproxy_listen=off")
	known := map[string]bool{}
	for _, s := range settings() {
		known[s.key] = true
	}
	f.Fuzz(func(t *testing.T, data string) {
		_, errs := parseFile("gantry.conf", []byte(data), known)
		for _, err := range errs {
			if !strings.HasPrefix(err.Error(), "gantry.conf line ") && !strings.HasPrefix(err.Error(), "reading gantry.conf") {
				t.Fatalf("error %q does not start with the file and line", err)
			}
		}
	})
}
