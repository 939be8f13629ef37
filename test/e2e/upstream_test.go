package e2e

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// upstream is a real HTTP server on loopback answering its name; /slow
// announces itself on arrived, then answers after delay.
type upstream struct {
	*httptest.Server
	arrived chan struct{}
}

func newUpstream(t *testing.T, name string, delay time.Duration) *upstream {
	t.Helper()
	u := &upstream{arrived: make(chan struct{}, 16)}
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			u.arrived <- struct{}{}
			time.Sleep(delay)
		}
		io.WriteString(w, name)
	}))
	t.Cleanup(u.Close)
	return u
}

// routeTo is a declarative file sending every path to url.
func routeTo(url string) string {
	return fmt.Sprintf(`_format_version: "3.0"
services:
- name: backend
  url: %s
  routes:
  - name: everything
    paths:
    - /
    strip_path: false
`, url)
}

// emptyConfig is a valid declarative file without entities.
const emptyConfig = "_format_version: \"3.0\"\n"

// writeFile replaces path's content atomically, as an editor or a config
// management tool would, so a reload never reads half a file.
func writeFile(t *testing.T, path, content string) {
	t.Helper()
	tmp := filepath.Join(filepath.Dir(path), ".tmp-"+filepath.Base(path))
	if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// declFile writes content to a fresh declarative file and returns its path.
func declFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "gantry.yaml")
	writeFile(t, path, content)
	return path
}
