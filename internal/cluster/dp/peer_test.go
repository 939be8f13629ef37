package dp

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/cluster/clusterpb"
	"github.com/gantryhq/gantry/internal/cluster/clustertls"
	"github.com/gantryhq/gantry/internal/cluster/wire"
	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/pipeline"
	"github.com/gantryhq/gantry/internal/pipeline/pipelinetest"
	"github.com/gantryhq/gantry/internal/testutil"
)

// loadCert makes a shared-mode cluster certificate.
func loadCert(t testing.TB) *clustertls.Cert {
	t.Helper()
	dir := t.TempDir()
	crt, key := filepath.Join(dir, "c.crt"), filepath.Join(dir, "c.key")
	if err := clustertls.GenCert(crt, key, 1, time.Now()); err != nil {
		t.Fatal(err)
	}
	cert, err := clustertls.Load(crt, key)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

// signedPush is the push a control plane holding signer sends for cfg.
func signedPush(t testing.TB, signer *clustertls.Cert, version int64, cfg *entity.Config) *clusterpb.ConfigPush {
	t.Helper()
	codec, err := wire.NewCodec(1 << 20)
	if err != nil {
		t.Fatal(err)
	}
	defer codec.Close()
	enc, err := codec.EncodeFull(version, cfg.Hash(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := signer.Sign(wire.SignedDigest(enc.Version, enc.Hash, enc.Payload))
	if err != nil {
		t.Fatal(err)
	}
	return &clusterpb.ConfigPush{Version: enc.Version, Hash: enc.Hash, Payload: enc.Payload, Checksum: enc.Checksum,
		Signature: sig, SignerChain: signer.TLS.Certificate}
}

// cacheOf writes the cache a data plane (node id "writer") keeps after
// applying push into a new prefix and returns the prefix.
func cacheOf(t testing.TB, cert *clustertls.Cert, push *clusterpb.ConfigPush) string {
	t.Helper()
	dir := t.TempDir()
	a := testAgentWith(t, dir, func(o *Options) { o.Cert, o.NodeID = cert, "writer" })
	if res := a.applyPush(context.Background(), push); !res.Ok {
		t.Fatalf("push: %+v", res)
	}
	if err := a.file.flush(); err != nil {
		t.Fatal(err)
	}
	return dir
}

// logTo sends an agent's log to buf.
func logTo(buf *testutil.Buffer) func(*Options) {
	return func(o *Options) { o.Logger = slog.New(slog.NewTextHandler(buf, nil)) }
}

// TestCopiedCacheIsVerified: a cache copied into an empty prefix loads when
// its checksum and control plane signature verify; one that was tampered
// with, or signed by another cluster's key, is refused with the reason and
// the node starts empty, as does an unsigned cache another node wrote; the
// node's own unsigned cache loads, with a warning, as does its own cache
// whose signer is no longer trusted (the cluster certificate was replaced).
func TestCopiedCacheIsVerified(t *testing.T) {
	t.Parallel()
	cert, other := loadCert(t), loadCert(t)
	cfg := bigConfig(20)
	good := signedPush(t, cert, 3, cfg)
	tampered := signedPush(t, cert, 3, cfg)
	tampered.Payload = append([]byte{}, tampered.Payload...)
	tampered.Payload[len(tampered.Payload)/2] ^= 1
	tampered.Checksum = wire.Checksum(tampered.Payload)
	foreign := signedPush(t, other, 3, cfg)
	liar := signedPush(t, other, 3, cfg) // signed by another key, claiming this cluster's certificate
	liar.SignerChain = cert.TLS.Certificate
	unsigned := signedPush(t, cert, 3, cfg)
	unsigned.Signature, unsigned.SignerChain = nil, nil
	tests := []struct {
		name       string
		push       *clusterpb.ConfigPush
		reader     string // node id of the node starting from the copy
		wantSource string
		wantLog    string
	}{
		{"signed by the cluster", good, "n", "cache", "source=cache"},
		{"tampered payload", tampered, "n", "empty", "the signature does not verify"},
		{"signed by another cluster", foreign, "n", "empty", "written by another node (writer) must carry valid control plane signatures: full payload: the signer's certificate is not this node's cluster_cert"},
		{"another key claiming the cluster's certificate", liar, "n", "empty", "the signature does not verify"},
		{"unsigned, from another node", unsigned, "n", "empty", "written by another node (writer) must carry valid control plane signatures: it carries none"},
		{"unsigned, this node's own", unsigned, "writer", "cache", "carries no control plane signature: loaded as this node's own"},
		{"own cache signed with a replaced certificate", foreign, "writer", "cache", "the signature of this node's own config cache does not verify; loaded anyway"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var src []byte
			if tt.push == tampered {
				// A data plane would reject the tampered payload: write
				// the cache as a forger would.
				c := &wire.Cached{Version: 3, Hash: tt.push.Hash, Payload: tt.push.Payload, Checksum: tt.push.Checksum, Sig: pushSig(tt.push), Writer: "writer"}
				dir := t.TempDir()
				if err := wire.WriteCache(filepath.Join(dir, wire.CacheFile), c); err != nil {
					t.Fatal(err)
				}
				src = readFile(t, filepath.Join(dir, wire.CacheFile))
			} else {
				src = readFile(t, filepath.Join(cacheOf(t, cert, tt.push), wire.CacheFile))
			}
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, wire.CacheFile), src, 0o600); err != nil {
				t.Fatal(err)
			}
			var log testutil.Buffer
			a := testAgentWith(t, dir, func(o *Options) { o.Cert, o.NodeID = cert, tt.reader; logTo(&log)(o) })
			if got := a.Status().Source; got != tt.wantSource {
				t.Fatalf("started from %q, want %q; log:\n%s", got, tt.wantSource, log.String())
			}
			if !strings.Contains(log.String(), tt.wantLog) {
				t.Fatalf("log does not say %q:\n%s", tt.wantLog, log.String())
			}
			if tt.wantSource == "cache" && a.current().hash() != cfg.Hash() {
				t.Fatal("the copied cache loaded another configuration")
			}
		})
	}
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// servePeers serves the cache of the data plane at dir on a real mutual
// TLS listener, as cluster_peer_listen does, and returns its address.
func servePeers(t testing.TB, cert *clustertls.Cert, dir string) string {
	t.Helper()
	addr, _ := servePeersAgent(t, cert, dir)
	return addr
}

// servePeersAgent is servePeers that also returns the serving agent.
func servePeersAgent(t testing.TB, cert *clustertls.Cert, dir string) (string, *Agent) {
	t.Helper()
	a := testAgentWith(t, dir, func(o *Options) { o.Cert = cert })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	trust := &clustertls.Trust{Cert: cert}
	srv := &http.Server{Handler: a.PeerHandler(), TLSConfig: trust.PeerServerConfig(), ReadHeaderTimeout: 5 * time.Second,
		ErrorLog: slog.NewLogLogger(slog.DiscardHandler, slog.LevelDebug)}
	go func() { _ = srv.ServeTLS(ln, "", "") }()
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String(), a
}

// TestStartFromPeers: a data plane with an empty prefix asks its
// cluster_peers in turn: a peer whose cache fails verification (signed by
// another cluster's key, unsigned, or unreachable) is refused with the
// reason and the next is tried; the first that verifies is written to the
// prefix and served, and the next start uses the prefix alone.
func TestStartFromPeers(t *testing.T) {
	t.Parallel()
	cert, other := loadCert(t), loadCert(t)
	cfg := bigConfig(20)
	unsignedPush := signedPush(t, cert, 5, cfg)
	unsignedPush.Signature, unsignedPush.SignerChain = nil, nil
	foreign := servePeers(t, cert, cacheOf(t, cert, signedPush(t, other, 5, cfg)))
	unsigned := servePeers(t, cert, cacheOf(t, cert, unsignedPush))
	empty := servePeers(t, cert, t.TempDir())
	good := servePeers(t, cert, cacheOf(t, cert, signedPush(t, cert, 5, cfg)))
	strangerCert := loadCert(t)
	stranger := servePeers(t, strangerCert, cacheOf(t, strangerCert, signedPush(t, strangerCert, 5, cfg)))
	down := testutil.ClosedAddr(t)

	t.Run("the first peer that verifies", func(t *testing.T) {
		t.Parallel()
		var log testutil.Buffer
		dir := t.TempDir()
		a := testAgentWith(t, dir, func(o *Options) {
			o.Cert, o.Peers = cert, []string{down, stranger, foreign, unsigned, empty, good}
			logTo(&log)(o)
		})
		if got := a.Status().Source; got != "peer" || a.current().hash() != cfg.Hash() || a.current().version != 5 {
			t.Fatalf("started from %q at version %d; log:\n%s", got, a.current().version, log.String())
		}
		for _, want := range []string{
			"peer=" + down + " reason=\"cannot fetch",
			"peer=" + stranger + " reason=",
			"peer=" + foreign + " reason=\"full payload: the signer's certificate is not this node's cluster_cert",
			"peer=" + unsigned + " reason=\"it answered 404 Not Found: this data plane's config cache carries no control plane signature",
			"peer=" + empty + " reason=\"it answered 404 Not Found: this data plane has no config cache yet",
			"started from a peer's configuration, signed by the control plane\" component=cluster peer=" + good,
		} {
			if !strings.Contains(log.String(), want) {
				t.Errorf("log does not say %q:\n%s", want, log.String())
			}
		}
		restarted := testAgentWith(t, dir, func(o *Options) { o.Cert = cert })
		if got := restarted.Status().Source; got != "cache" || restarted.current().hash() != cfg.Hash() {
			t.Fatalf("restart started from %q, want the cache the peer gave", got)
		}
	})
	t.Run("no peer verifies", func(t *testing.T) {
		t.Parallel()
		var log testutil.Buffer
		dir := t.TempDir()
		a := testAgentWith(t, dir, func(o *Options) {
			o.Cert, o.Peers = cert, []string{foreign, unsigned}
			logTo(&log)(o)
		})
		if got := a.Status().Source; got != "empty" {
			t.Fatalf("started from %q, want empty; log:\n%s", got, log.String())
		}
		if !strings.Contains(log.String(), "no cluster_peers node offered a configuration that verifies") {
			t.Fatalf("log:\n%s", log.String())
		}
		if _, err := wire.ReadCache(filepath.Join(dir, wire.CacheFile)); !errors.Is(err, wire.ErrNoCache) {
			t.Fatalf("a refused cache was written to the prefix: %v", err)
		}
	})
	t.Run("a verified configuration the node cannot apply", func(t *testing.T) {
		t.Parallel()
		var log testutil.Buffer
		dir := t.TempDir()
		opts := Options{ControlPlanes: []string{"127.0.0.1:1"}, Cert: cert, NodeID: "n", Prefix: dir, MaxPayload: 1 << 20, Peers: []string{good}}
		logTo(&log)(&opts)
		a, err := New(opts)
		if err != nil {
			t.Fatal(err)
		}
		pipe, _ := pipelinetest.Pipeline()
		if err := a.Initial(context.Background(), refusing{pipe, "(peer)"}); err != nil {
			t.Fatal(err)
		}
		if got := a.Status().Source; got != "empty" {
			t.Fatalf("started from %q, want empty; log:\n%s", got, log.String())
		}
		if _, err := wire.ReadCache(filepath.Join(dir, wire.CacheFile)); !errors.Is(err, wire.ErrNoCache) {
			t.Fatalf("the peer's configuration the node refused stays in its config cache: %v", err)
		}
	})
}

// refusing is a sink that refuses every update whose source contains
// source, as a node whose build fails would.
type refusing struct {
	pipeline.Sink
	source string
}

func (r refusing) Apply(ctx context.Context, u pipeline.Update) error {
	if strings.Contains(u.Source, r.source) {
		return errors.New("refused by the test")
	}
	return r.Sink.Apply(ctx, u)
}

// TestReencodedCacheIsNotOffered: a data plane whose cache it had to encode
// itself (the configuration's hash differs from the control plane's) keeps
// it for its own restarts but never offers it to peers.
func TestReencodedCacheIsNotOffered(t *testing.T) {
	t.Parallel()
	cert := loadCert(t)
	push := signedPush(t, cert, 2, bigConfig(20))
	push.Hash = "00000000000000000000000000000000" // what a newer CP with an unknown field would compute
	dir := cacheOf(t, cert, push)
	c, err := wire.ReadCache(filepath.Join(dir, wire.CacheFile))
	if err != nil || c.Signed() {
		t.Fatalf("re-encoded cache: signed=%t, %v", c != nil && c.Signed(), err)
	}
	var log testutil.Buffer
	a := testAgentWith(t, t.TempDir(), func(o *Options) {
		o.Cert, o.Peers = cert, []string{servePeers(t, cert, dir)}
		logTo(&log)(o)
	})
	if got := a.Status().Source; got != "empty" || !strings.Contains(log.String(), "carries no control plane signature") {
		t.Fatalf("started from %q; log:\n%s", got, log.String())
	}
}

// TestSignedDeltasReachPeers: a cache made of a signed full payload and
// signed deltas, as a data plane keeps it, is offered to peers and gives
// them the latest configuration.
func TestSignedDeltasReachPeers(t *testing.T) {
	t.Parallel()
	cert := loadCert(t)
	codec, err := wire.NewCodec(1 << 20)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(codec.Close)
	dir := t.TempDir()
	a := testAgentWith(t, dir, func(o *Options) { o.Cert = cert })
	cfg := bigConfig(200)
	if res := a.applyPush(context.Background(), signedPush(t, cert, 1, cfg)); !res.Ok {
		t.Fatalf("full push: %+v", res)
	}
	for i := range 3 {
		next, enc := addRouteDelta(t, codec, cfg, i)
		sig, err := cert.Sign(wire.SignedDigest(enc.Version, enc.Hash, enc.Payload))
		if err != nil {
			t.Fatal(err)
		}
		res := a.applyPush(context.Background(), &clusterpb.ConfigPush{Version: enc.Version, Hash: enc.Hash, Delta: true,
			BaseVersion: int64(i + 1), BaseHash: cfg.Hash(), Payload: enc.Payload, Checksum: enc.Checksum, Signature: sig, SignerChain: cert.TLS.Certificate})
		if !res.Ok || res.Resync {
			t.Fatalf("delta %d: %+v", i, res)
		}
		cfg = next
	}
	if err := a.file.flush(); err != nil {
		t.Fatal(err)
	}
	if c, err := wire.ReadCache(filepath.Join(dir, wire.CacheFile)); err != nil || len(c.Deltas) != 3 || !c.Signed() {
		t.Fatalf("cache: %+v, %v", c, err)
	}
	var log testutil.Buffer
	b := testAgentWith(t, t.TempDir(), func(o *Options) {
		o.Cert, o.Peers = cert, []string{servePeers(t, cert, dir)}
		logTo(&log)(o)
	})
	if got := b.current(); b.Status().Source != "peer" || got.hash() != cfg.Hash() || got.version != 4 {
		t.Fatalf("peer started from %q at version %d; log:\n%s", b.Status().Source, got.version, log.String())
	}
}

// TestPeerBounds: a busy peer (sending its cache to as many peers as it
// allows) answers 503 and the next peer is asked; a cache holding more
// deltas than a data plane keeps is refused before any signature is
// checked.
func TestPeerBounds(t *testing.T) {
	t.Parallel()
	cert := loadCert(t)
	cfg := bigConfig(20)
	prefix := cacheOf(t, cert, signedPush(t, cert, 5, cfg))
	busy, agent := servePeersAgent(t, cert, prefix)
	for range cap(agent.peerSlots) {
		agent.peerSlots <- struct{}{}
	}
	var log testutil.Buffer
	a := testAgentWith(t, t.TempDir(), func(o *Options) {
		o.Cert, o.Peers = cert, []string{busy, servePeers(t, cert, prefix)}
		logTo(&log)(o)
	})
	if a.Status().Source != "peer" || !strings.Contains(log.String(), "peer="+busy+" reason=\"it answered 503 Service Unavailable: this data plane is busy") {
		t.Fatalf("started from %q; log:\n%s", a.Status().Source, log.String())
	}

	c, err := wire.ReadCache(filepath.Join(prefix, wire.CacheFile))
	if err != nil {
		t.Fatal(err)
	}
	c.Deltas = make([]wire.CachedDelta, wire.MaxCacheDeltas+1)
	if err := a.verifySigned(c); err == nil || !strings.Contains(err.Error(), "more than the 32") {
		t.Fatalf("a cache with %d deltas: %v", len(c.Deltas), err)
	}
}

// TestPeerRedirectIsNotFollowed: a peer answering with a redirect is
// refused; the data plane does not follow it (to a plain HTTP address, or
// anywhere outside the mutual TLS of cluster_peers).
func TestPeerRedirectIsNotFollowed(t *testing.T) {
	t.Parallel()
	cert := loadCert(t)
	hits := make(chan string, 4)
	plain := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits <- r.URL.Path }), ReadHeaderTimeout: 5 * time.Second}
	pln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = plain.Serve(pln) }()
	t.Cleanup(func() { plain.Close() })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.RedirectHandler("http://"+pln.Addr().String()+PeerPath, http.StatusFound),
		TLSConfig: (&clustertls.Trust{Cert: cert}).PeerServerConfig(), ReadHeaderTimeout: 5 * time.Second,
		ErrorLog: slog.NewLogLogger(slog.DiscardHandler, slog.LevelDebug)}
	go func() { _ = srv.ServeTLS(ln, "", "") }()
	t.Cleanup(func() { srv.Close() })

	var log testutil.Buffer
	a := testAgentWith(t, t.TempDir(), func(o *Options) {
		o.Cert, o.Peers = cert, []string{ln.Addr().String()}
		logTo(&log)(o)
	})
	if a.Status().Source == "peer" || !strings.Contains(log.String(), "it answered 302 Found") {
		t.Fatalf("started from %q; log:\n%s", a.Status().Source, log.String())
	}
	select {
	case p := <-hits:
		t.Fatalf("the data plane followed the peer's redirect to a plain HTTP address (%s)", p)
	default:
	}
}
