package clustertls

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"golang.org/x/crypto/ocsp"
)

// DefaultOCSPTimeout bounds one request to an OCSP responder, so a dead
// responder delays a data plane's handshake by at most this much.
const DefaultOCSPTimeout = 5 * time.Second

// maxOCSPCache bounds how many responses are kept; beyond it new answers
// are used but not cached.
const maxOCSPCache = 10000

// OCSP checks data plane certificates with the OCSP responder named in
// their Authority Information Access extension (cluster_ocsp). Answers are
// cached until their NextUpdate. Create it with NewOCSP; it is safe for
// concurrent use.
type OCSP struct {
	required bool // cluster_ocsp = on: no answer means refusal
	client   *http.Client
	log      *slog.Logger
	now      func() time.Time

	mu    sync.Mutex
	cache map[string]ocspEntry
}

type ocspEntry struct {
	status  int
	revoked time.Time
	until   time.Time
}

// NewOCSP returns a checker for cluster_ocsp = mode ("on" or "optional"),
// or nil for "off" (and anything else). A timeout <= 0 means
// DefaultOCSPTimeout.
func NewOCSP(mode string, timeout time.Duration, log *slog.Logger) *OCSP {
	if mode != "on" && mode != "optional" {
		return nil
	}
	if timeout <= 0 {
		timeout = DefaultOCSPTimeout
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DisableKeepAlives = true // rare requests: keep no idle connection (or goroutine) around
	return &OCSP{
		required: mode == "on",
		client:   &http.Client{Timeout: timeout, Transport: tr},
		log:      log.With("component", "cluster"),
		now:      time.Now,
		cache:    map[string]ocspEntry{},
	}
}

// Check is given a verified chain (leaf first). A revoked certificate is
// always refused; when the status cannot be learnt, the connection is
// refused under cluster_ocsp = on and allowed, with a warning, under
// optional.
func (o *OCSP) Check(chain []*x509.Certificate) error {
	leaf := chain[0]
	e, err := o.status(chain)
	if err == nil && e.status == ocsp.Unknown {
		err = errors.New("the responder does not know this certificate")
	}
	if err != nil {
		if o.required {
			return fmt.Errorf("cluster_ocsp = on: the OCSP status of the data plane's certificate (serial %x, %q) could not be checked: %w", leaf.SerialNumber, leaf.Subject.String(), err)
		}
		o.log.Warn("cluster_ocsp = optional: could not check the OCSP status of a data plane's certificate; allowing it",
			"serial", fmt.Sprintf("%x", leaf.SerialNumber), "subject", leaf.Subject.String(), "error", err)
		return nil
	}
	if e.status == ocsp.Revoked {
		return fmt.Errorf("the data plane's certificate (serial %x, %q) was revoked at %s (OCSP)", leaf.SerialNumber, leaf.Subject.String(), e.revoked.UTC().Format(time.RFC3339))
	}
	return nil
}

// status returns the cached or fresh OCSP answer for chain[0].
func (o *OCSP) status(chain []*x509.Certificate) (ocspEntry, error) {
	if len(chain) < 2 {
		return ocspEntry{}, errors.New("the certificate has no issuer in the chain")
	}
	leaf, issuer := chain[0], chain[1]
	if len(leaf.OCSPServer) == 0 {
		return ocspEntry{}, errors.New("the certificate names no OCSP responder (Authority Information Access)")
	}
	sum := sha256.Sum256(issuer.Raw)
	key := string(sum[:]) + leaf.SerialNumber.String()
	now := o.now()
	o.mu.Lock()
	e, ok := o.cache[key]
	o.mu.Unlock()
	if ok && now.Before(e.until) {
		return e, nil
	}
	var errs []error
	for _, url := range leaf.OCSPServer {
		resp, err := o.ask(url, leaf, issuer)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", url, err))
			continue
		}
		if !resp.NextUpdate.IsZero() && now.After(resp.NextUpdate) {
			errs = append(errs, fmt.Errorf("%s: stale answer (next update %s has passed)", url, resp.NextUpdate.UTC().Format(time.RFC3339)))
			continue
		}
		e = ocspEntry{status: resp.Status, revoked: resp.RevokedAt, until: resp.NextUpdate}
		o.remember(key, e, now)
		return e, nil
	}
	return ocspEntry{}, errors.Join(errs...)
}

// ask sends one OCSP request and checks the signed answer.
func (o *OCSP) ask(url string, leaf, issuer *x509.Certificate) (*ocsp.Response, error) {
	req, err := ocsp.CreateRequest(leaf, issuer, nil)
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), o.client.Timeout)
	defer cancel()
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(req))
	if err != nil {
		return nil, err
	}
	hreq.Header.Set("Content-Type", "application/ocsp-request")
	hreq.Header.Set("Accept", "application/ocsp-response")
	res, err := o.client.Do(hreq)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("responder answered HTTP %d", res.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("read answer: %w", err)
	}
	resp, err := ocsp.ParseResponseForCert(body, leaf, issuer)
	if err != nil {
		return nil, fmt.Errorf("invalid answer: %w", err)
	}
	return resp, nil
}

// remember caches e until its NextUpdate; answers without one are not
// cached (RFC 6960: newer information is available at any time).
func (o *OCSP) remember(key string, e ocspEntry, now time.Time) {
	if e.until.IsZero() {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.cache) >= maxOCSPCache {
		for k, v := range o.cache {
			if !now.Before(v.until) {
				delete(o.cache, k)
			}
		}
	}
	if len(o.cache) < maxOCSPCache {
		o.cache[key] = e
	}
}
