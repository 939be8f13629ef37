package admin

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/gantryhq/gantry/internal/store/pgtest"
)

// BenchmarkAdminAPI measures Admin API writes and reads over real HTTP on
// both stores: SQLite in a temporary file and a real PostgreSQL server
// started for the benchmark (pgtest). req/s is the figure BENCHMARKS.md
// records; the loop is sequential, one client, as a script would drive it.
func BenchmarkAdminAPI(b *testing.B) {
	pg := pgtest.ForTest(b)
	stores := []struct {
		name string
		open func(b *testing.B) func(*Options)
	}{
		{"sqlite", func(*testing.B) func(*Options) { return nil }},
		{"postgres", func(b *testing.B) func(*Options) { return onPostgres(b, pg) }},
	}
	for _, s := range stores {
		b.Run(s.name+"/write", func(b *testing.B) {
			a := newTestAPI(b, s.open(b))
			for i := 0; b.Loop(); i++ {
				body := fmt.Sprintf(`{"name":"svc-%d","url":"http://backend-%d.internal:8080/api","tags":["bench"]}`, i, i)
				benchRequest(b, a, "POST", "/services", body, http.StatusCreated)
			}
			reportRate(b)
		})
		b.Run(s.name+"/read", func(b *testing.B) {
			a := newTestAPI(b, s.open(b))
			for i := range 100 {
				a.must(http.StatusCreated, "POST", "/services", map[string]any{"name": fmt.Sprintf("svc-%d", i), "host": "h.internal"})
			}
			for i := 0; b.Loop(); i++ {
				benchRequest(b, a, "GET", fmt.Sprintf("/services/svc-%d", i%100), "", http.StatusOK)
			}
			reportRate(b)
		})
		b.Run(s.name+"/list100", func(b *testing.B) {
			a := newTestAPI(b, s.open(b))
			for i := range 100 {
				a.must(http.StatusCreated, "POST", "/services", map[string]any{"name": fmt.Sprintf("svc-%d", i), "host": "h.internal"})
			}
			for b.Loop() {
				benchRequest(b, a, "GET", "/services?size=100", "", http.StatusOK)
			}
			reportRate(b)
		})
	}
}

// benchRequest sends one request and fails b unless it answers want.
func benchRequest(b *testing.B, a *testAPI, method, path, body string, want int) {
	var r io.Reader
	if body != "" {
		r = bytes.NewReader([]byte(body))
	}
	req, err := http.NewRequest(method, a.srv.URL+path, r)
	if err != nil {
		b.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := a.srv.Client().Do(req)
	if err != nil {
		b.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != want {
		b.Fatalf("%s %s: status %d, want %d", method, path, res.StatusCode, want)
	}
}

func reportRate(b *testing.B) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}
