package clustertls

import (
	"crypto/x509"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"

	"github.com/gantryhq/gantry/internal/cluster/clustertls/clustertlstest"
)

// badResponder answers every request with answer(serial).
func badResponder(t *testing.T, answer func(w http.ResponseWriter, serial *big.Int)) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body := make([]byte, 4096)
		n, _ := r.Body.Read(body)
		req, err := ocsp.ParseRequest(body[:n])
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		answer(w, req.SerialNumber)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestOCSPBadAnswersRefuseUnderOn: an answer Gantry cannot trust counts
// as no answer.
func TestOCSPBadAnswersRefuseUnderOn(t *testing.T) {
	t.Parallel()
	root := clustertlstest.NewRoot(t, "cluster root")
	other := clustertlstest.NewRoot(t, "impostor")
	signed := func(by *clustertlstest.CA, next time.Time) func(http.ResponseWriter, *big.Int) {
		return func(w http.ResponseWriter, serial *big.Int) {
			resp, err := ocsp.CreateResponse(by.Cert, by.Cert, ocsp.Response{Status: ocsp.Good, SerialNumber: serial, ThisUpdate: time.Now().Add(-2 * time.Hour), NextUpdate: next}, by.Key)
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			_, _ = w.Write(resp)
		}
	}
	tests := []struct {
		name   string
		answer func(http.ResponseWriter, *big.Int)
		want   string
	}{
		{"signed by another CA", signed(other, time.Now().Add(time.Hour)), "invalid answer"},
		{"stale", signed(root, time.Now().Add(-time.Hour)), "stale answer"},
		{"HTTP 500", func(w http.ResponseWriter, _ *big.Int) { http.Error(w, "down", http.StatusInternalServerError) }, "HTTP 500"},
		{"garbage", func(w http.ResponseWriter, _ *big.Int) { _, _ = w.Write([]byte("not ocsp")) }, "invalid answer"},
		{"unknown", func(w http.ResponseWriter, serial *big.Int) {
			resp, _ := ocsp.CreateResponse(root.Cert, root.Cert, ocsp.Response{Status: ocsp.Unknown, SerialNumber: serial, ThisUpdate: time.Now(), NextUpdate: time.Now().Add(time.Hour)}, root.Key)
			_, _ = w.Write(resp)
		}, "does not know this certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			leaf, _, _ := root.Issue(t, clustertlstest.Leaf{Name: "dp", OCSP: []string{badResponder(t, tt.answer)}})
			for mode, refused := range map[string]bool{"on": true, "optional": false} {
				err := NewOCSP(mode, time.Second, nil).Check([]*x509.Certificate{leaf, root.Cert})
				if refused && (err == nil || !strings.Contains(err.Error(), tt.want)) {
					t.Errorf("%s: error %v, want a refusal saying %q", mode, err, tt.want)
				}
				if !refused && err != nil {
					t.Errorf("%s: refused (%v), want allowed", mode, err)
				}
			}
		})
	}
}

// TestOCSPCacheExpiresAtNextUpdate: after NextUpdate the responder is
// asked again, so a revocation is noticed.
func TestOCSPCacheExpiresAtNextUpdate(t *testing.T) {
	t.Parallel()
	root := clustertlstest.NewRoot(t, "cluster root")
	var clock atomic.Int64 // one fake clock for the responder and the checker
	clock.Store(time.Now().UnixNano())
	now := func() time.Time { return time.Unix(0, clock.Load()) }
	resp := clustertlstest.NewResponder(t, root)
	resp.Now = now
	leaf, _, _ := root.Issue(t, clustertlstest.Leaf{Name: "dp", OCSP: []string{resp.URL}})
	chain := []*x509.Certificate{leaf, root.Cert}
	o := NewOCSP("on", time.Second, nil)
	o.now = now
	if err := o.Check(chain); err != nil {
		t.Fatal(err)
	}
	resp.Revoke(leaf.SerialNumber)
	if err := o.Check(chain); err != nil {
		t.Fatalf("cached good answer not used before NextUpdate: %v", err)
	}
	clock.Add(int64(2 * time.Hour)) // the responder's answers last an hour
	if err := o.Check(chain); err == nil || !strings.Contains(err.Error(), "revoked") {
		t.Fatalf("after NextUpdate: %v, want the revocation", err)
	}
	if n := resp.Requests.Load(); n != 2 {
		t.Fatalf("responder asked %d times, want 2", n)
	}
}
