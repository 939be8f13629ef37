package proxy

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/snapshot"
	"github.com/gantryhq/gantry/internal/testutil"
)

// TestPanicBecomes500 makes request handling panic for one path: that
// request gets a 500 and a log line, the next ones are served normally.
func TestPanicBecomes500(t *testing.T) {
	t.Parallel()
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "fine")
	}))
	defer up.Close()
	var logs testutil.Buffer
	p := New(Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	p.buffered.ModifyResponse = func(res *http.Response) error {
		if strings.HasPrefix(res.Request.URL.Path, "/boom") {
			panic("boom in a handler")
		}
		return p.modifyResponse(res)
	}
	svc := entity.NewService()
	svc.ID, svc.URL = uuid.NewString(), up.URL
	entity.Normalize(svc)
	rt := entity.NewRoute()
	rt.ID, rt.Service, rt.Paths, rt.StripPath = uuid.NewString(), &entity.Ref{ID: svc.ID}, []string{"/"}, false
	snap, err := snapshot.Build(&entity.Config{Services: []*entity.Service{svc}, Routes: []*entity.Route{rt}}, nil, snapshot.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p.Swap(snap)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- p.Serve(ln, ListenOptions{}) }()
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = p.Shutdown(ctx)
		<-served
	}()

	base := "http://" + ln.Addr().String()
	for _, tc := range []struct {
		path   string
		status int
		body   string
	}{
		{"/boom", 500, `{"message":"An unexpected error occurred"}`},
		{"/ok", 200, "fine"},
		{"/boom/again", 500, `{"message":"An unexpected error occurred"}`},
		{"/ok", 200, "fine"},
	} {
		// With a body the request takes httputil.ReverseProxy, whose
		// ModifyResponse the test hooks; the recovery in ServeHTTP is the
		// same for serveFast.
		res, err := http.Post(base+tc.path, "text/plain", strings.NewReader("body"))
		if err != nil {
			t.Fatalf("POST %s: %v", tc.path, err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != tc.status || string(b) != tc.body {
			t.Errorf("POST %s = %d %s, want %d %s", tc.path, res.StatusCode, b, tc.status, tc.body)
		}
	}
	if !strings.Contains(logs.String(), "boom in a handler") {
		t.Errorf("the panic was not logged: %s", logs.String())
	}
	if s := p.Stats(); s.ByClass[5] != 2 || s.ByClass[2] != 2 || s.TotalRequests != 4 {
		t.Errorf("stats = %+v, want 2 answers of 2xx and 2 of 5xx", s)
	}
}
