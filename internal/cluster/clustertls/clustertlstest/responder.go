package clustertlstest

import (
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"

	"github.com/gantryhq/gantry/internal/testutil"
)

// Responder is a real OCSP responder on 127.0.0.1 answering, signed by its
// CA, "good" for every serial except those revoked with Revoke.
type Responder struct {
	URL string
	ca  *CA
	// Requests counts the OCSP requests answered.
	Requests atomic.Int64
	// Now, when set before the first request, is the responder's clock
	// (answers last an hour from it); nil means time.Now.
	Now func() time.Time

	mu      sync.Mutex
	revoked map[string]time.Time
}

// NewResponder starts a responder for certificates issued by ca; it stops
// when the test ends.
func NewResponder(t testing.TB, ca *CA) *Responder {
	t.Helper()
	r := &Responder{ca: ca, revoked: map[string]time.Time{}}
	srv := httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(srv.Close)
	r.URL = srv.URL
	return r
}

// Revoke makes the responder answer "revoked" for serial from now on.
func (r *Responder) Revoke(serial *big.Int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.revoked[serial.String()] = time.Now().Add(-time.Minute)
}

func (r *Responder) serve(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(io.LimitReader(req.Body, 64<<10))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	oreq, err := ocsp.ParseRequest(body)
	if err != nil {
		_, _ = w.Write(ocsp.MalformedRequestErrorResponse)
		return
	}
	r.Requests.Add(1)
	now := time.Now()
	if r.Now != nil {
		now = r.Now()
	}
	tmpl := ocsp.Response{Status: ocsp.Good, SerialNumber: oreq.SerialNumber, ThisUpdate: now.Add(-time.Minute), NextUpdate: now.Add(time.Hour)}
	r.mu.Lock()
	if at, ok := r.revoked[oreq.SerialNumber.String()]; ok {
		tmpl.Status, tmpl.RevokedAt, tmpl.RevocationReason = ocsp.Revoked, at, ocsp.KeyCompromise
	}
	r.mu.Unlock()
	resp, err := ocsp.CreateResponse(r.ca.Cert, r.ca.Cert, tmpl, r.ca.Key)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/ocsp-response")
	_, _ = w.Write(resp)
}

// Unreachable returns a loopback URL where nothing listens.
func Unreachable(t testing.TB) string {
	t.Helper()
	return "http://" + testutil.ClosedAddr(t) + "/ocsp"
}
