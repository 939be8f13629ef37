package clustertls

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/cluster/clustertls/clustertlstest"
	"github.com/gantryhq/gantry/internal/testutil"
)

func TestOCSPModes(t *testing.T) {
	t.Parallel()
	root := clustertlstest.NewRoot(t, "cluster root")
	inter := root.Intermediate(t, "issuing")
	resp := clustertlstest.NewResponder(t, inter)
	ca := loadCA(t, root)
	cpCert := issue(t, root, clustertlstest.Leaf{Name: "cp", EKU: serverAuth})
	good := issue(t, inter, clustertlstest.Leaf{Name: "good", EKU: clientAuth, OCSP: []string{resp.URL}})
	revoked := issue(t, inter, clustertlstest.Leaf{Name: "revoked", EKU: clientAuth, OCSP: []string{resp.URL}})
	resp.Revoke(revoked.Leaf.SerialNumber)
	unreachable := issue(t, inter, clustertlstest.Leaf{Name: "unreachable", EKU: clientAuth, OCSP: []string{clustertlstest.Unreachable(t)}})
	noAIA := issue(t, inter, clustertlstest.Leaf{Name: "no-aia", EKU: clientAuth})
	tests := []struct {
		mode    string
		dp      *Cert
		wantErr string // refusal logged by the CP; "" = accepted
		wantLog string // warning in optional mode
	}{
		{"on", good, "", ""},
		{"on", revoked, "was revoked at", ""},
		{"on", unreachable, "could not be checked", ""},
		{"on", noAIA, "names no OCSP responder", ""},
		{"optional", good, "", ""},
		{"optional", revoked, "was revoked at", ""},
		{"optional", unreachable, "", "could not check the OCSP status"},
		{"optional", noAIA, "", "names no OCSP responder"},
		{"off", revoked, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.mode+"/"+tt.dp.Leaf.Subject.CommonName, func(t *testing.T) {
			t.Parallel()
			logs := &testutil.Buffer{}
			o := NewOCSP(tt.mode, 2*time.Second, slog.New(slog.NewTextHandler(logs, nil)))
			srv := PKIServerConfig(cpCert, ca, nil)
			if o != nil {
				srv = PKIServerConfig(cpCert, ca, o.Check)
			}
			cErr, sErr := handshake(t, srv, PKIClientConfig(tt.dp, ca, "cp"))
			if tt.wantErr == "" && (cErr != nil || sErr != nil) {
				t.Fatalf("refused: client %v, server %v", cErr, sErr)
			}
			if tt.wantErr != "" && (sErr == nil || !strings.Contains(sErr.Error(), tt.wantErr)) {
				t.Fatalf("server error %v, want %q", sErr, tt.wantErr)
			}
			if tt.wantLog != "" && !strings.Contains(logs.String(), tt.wantLog) {
				t.Fatalf("log %q does not say %q", logs, tt.wantLog)
			}
		})
	}
}

func TestOCSPAnswersAreCachedUntilNextUpdate(t *testing.T) {
	t.Parallel()
	root := clustertlstest.NewRoot(t, "cluster root")
	resp := clustertlstest.NewResponder(t, root)
	ca := loadCA(t, root)
	cpCert := issue(t, root, clustertlstest.Leaf{Name: "cp", EKU: serverAuth})
	dp := issue(t, root, clustertlstest.Leaf{Name: "dp", EKU: clientAuth, OCSP: []string{resp.URL}})
	o := NewOCSP("on", 0, nil)
	for i := range 3 {
		if cErr, sErr := handshake(t, PKIServerConfig(cpCert, ca, o.Check), PKIClientConfig(dp, ca, "cp")); cErr != nil || sErr != nil {
			t.Fatalf("handshake %d refused: client %v, server %v", i, cErr, sErr)
		}
	}
	if n := resp.Requests.Load(); n != 1 {
		t.Fatalf("responder asked %d times for 3 handshakes, want 1 (cached until NextUpdate)", n)
	}
}
