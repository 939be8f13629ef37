package e2e

import (
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/entity/entitytest"
	"github.com/gantryhq/gantry/internal/testutil"
)

// reloadFailures returns the log lines of rejected reloads so far.
func reloadFailures(n *node) []string {
	var out []string
	for _, l := range strings.Split(n.Out.String(), "\n") {
		if strings.Contains(l, "keeps serving") {
			out = append(out, l)
		}
	}
	return out
}

// TestSIGHUPRejectsBadInput sends a running node one bad file after another:
// each reload is refused with one log line naming the file and the place,
// the node never exits, and the first configuration keeps serving.
func TestSIGHUPRejectsBadInput(t *testing.T) {
	t.Parallel()
	a, b := newUpstream(t, "A", 0), newUpstream(t, "B", 0)
	pair := entitytest.SelfSigned(t, entitytest.CertOptions{})
	other := entitytest.SelfSigned(t, entitytest.CertOptions{})
	certDoc := func(cert, key string) string {
		return "_format_version: \"3.0\"\ncertificates:\n- cert: |\n" + indent(cert, 4) + "  key: |\n" + indent(key, 4)
	}
	file := declFile(t, routeTo(a.URL))
	n := startDBLess(t, file)

	tests := []struct {
		name, doc string
		want      []string // substrings of the one log line
	}{
		{"malformed yaml", "_format_version: \"3.0\"\nservices:\n  - name: a\n   host: b\n", []string{"line 4", "malformed YAML"}},
		{"malformed json", "{\"_format_version\": \"3.0\",\n \"services\": [\n  {\"name\": \"a\" \"host\": \"b\"}\n]}", []string{"line 3", "malformed JSON"}},
		{"unknown field", "_format_version: \"3.0\"\nservices:\n- host: a\n  hots: b\n", []string{"services[0].hots", "unknown field"}},
		{"wrong type", "_format_version: \"3.0\"\nservices:\n- host: a\n  port: \"80\"\n", []string{"services[0].port", "expected an integer"}},
		{"duplicate names", "_format_version: \"3.0\"\nservices:\n- {name: x, host: a}\n- {name: x, host: b}\n", []string{"services[1].name", "uniqueness violation"}},
		{"dangling reference", "_format_version: \"3.0\"\nroutes:\n- paths: [/]\n  service: nope\n", []string{"routes[0].service", "invalid reference"}},
		{"invalid regex", "_format_version: \"3.0\"\nroutes:\n- paths: ['~/a(b']\n", []string{"routes[0].paths[0]", "invalid regex"}},
		{"certificate that does not parse", certDoc("hello", pair.Key), []string{"certificates[0].cert", "invalid certificate"}},
		{"certificate that does not match its key", certDoc(pair.Cert, other.Key), []string{"certificates[0].key", "does not match"}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			writeFile(t, file, tt.doc)
			n.Signal(syscall.SIGHUP)
			testutil.Eventually(t, "the reload to be refused", 10*time.Second, func() bool { return len(reloadFailures(n)) == i+1 })
			line := reloadFailures(n)[i]
			for _, w := range append([]string{file}, tt.want...) {
				if !strings.Contains(line, w) {
					t.Errorf("reload error lacks %q:\n%s", w, line)
				}
			}
			if strings.Contains(n.Out.String(), "panic") {
				t.Fatalf("gantry panicked:\n%s", n.Out.String())
			}
			if code, body := get(n.ProxyURL() + "/"); code != 200 || body != "A" {
				t.Fatalf("after the refused reload: %d %q, want the first config serving A", code, body)
			}
		})
	}
	if _, metrics := get(n.StatusURL() + "/metrics"); !strings.Contains(metrics, fmt.Sprintf(`gantry_config_reloads_total{result="failed"} %d`, len(tests))) {
		t.Errorf("/metrics does not count %d failed reloads", len(tests))
	}
	writeFile(t, file, routeTo(b.URL))
	n.Signal(syscall.SIGHUP)
	testutil.Eventually(t, "a good file to be applied after the refusals", 10*time.Second, func() bool {
		_, body := get(n.ProxyURL() + "/")
		return body == "B"
	})
}
