package dp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/gantryhq/gantry/internal/cluster/clustertls"
	"github.com/gantryhq/gantry/internal/cluster/wire"
	"github.com/gantryhq/gantry/internal/entity"
)

// PeerPath is where cluster_peer_listen serves the config cache.
const PeerPath = "/v1/config-cache"

// maxPeerSends is how many peers a data plane sends its cache to at once.
const maxPeerSends = 4

// verifySigned checks that every payload of c was signed by a control plane
// this node trusts (Options.Trust: the certificate the CP connection would
// accept) and that the signatures cover c's version and hash. It does not
// decode: decodeCached then checks each step yields the signed hash.
func (a *Agent) verifySigned(c *wire.Cached) error {
	if len(c.Deltas) > wire.MaxCacheDeltas {
		return fmt.Errorf("it holds %d deltas, more than the %d a data plane keeps", len(c.Deltas), wire.MaxCacheDeltas)
	}
	if !c.Signed() {
		return errors.New("it carries no control plane signature (only a cache made of signed control plane payloads is accepted from elsewhere)")
	}
	check := func(what string, payload []byte, s *wire.Signature) error {
		leaf, err := a.opts.Trust.VerifySigner(s.Chain)
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		if err := clustertls.VerifySignature(leaf, wire.SignedDigest(s.Version, s.Hash, payload), s.Sig); err != nil {
			return fmt.Errorf("%s (config version %d): %w", what, s.Version, err)
		}
		return nil
	}
	last := c.Sig
	if err := check("full payload", c.Payload, c.Sig); err != nil {
		return err
	}
	for i, d := range c.Deltas {
		if err := check(fmt.Sprintf("delta %d of %d", i+1, len(c.Deltas)), d.Payload, d.Sig); err != nil {
			return err
		}
		last = d.Sig
	}
	if last.Version != c.Version || last.Hash != c.Hash {
		return fmt.Errorf("the cache records config version %d hash %s, but its last signed payload is version %d hash %s",
			c.Version, c.Hash, last.Version, last.Hash)
	}
	return nil
}

// startFromPeers asks each cluster_peers address in turn for its config
// cache and starts from the first that verifies: it is written to the
// prefix, then applied. A peer that cannot be reached or whose cache fails
// verification is logged with the reason and the next one is tried.
func (a *Agent) startFromPeers(ctx context.Context) bool {
	for _, addr := range a.opts.Peers {
		c, v, err := a.fetchPeer(ctx, addr)
		if err != nil {
			a.log.Warn("configuration from peer refused", "peer", addr, "reason", err)
			continue
		}
		written := c
		c.Writer = a.opts.NodeID // verified: from now on this node's own cache
		a.file.store(c)
		if err := a.file.flush(); err != nil {
			written = nil // logged; served anyway
		}
		if err := a.install(ctx, v, c.Version, "peer"); err != nil {
			a.log.Warn("configuration from peer refused", "peer", addr, "reason", err)
			if written != nil {
				// Not this node's configuration after all: the next start
				// must not load it as its own.
				if err := a.file.remove(); err != nil {
					a.log.Warn("cannot remove the refused peer configuration from the config cache", "path", a.cachePath(), "error", err)
				}
			}
			continue
		}
		a.applyMu.Lock()
		a.cached = written
		a.applyMu.Unlock()
		a.log.Info("started from a peer's configuration, signed by the control plane", "peer", addr, "config_version", c.Version, "config_hash", c.Hash)
		return true
	}
	a.log.Warn("no cluster_peers node offered a configuration that verifies", "cluster_peers", strings.Join(a.opts.Peers, ","))
	return false
}

// fetchPeer gets addr's config cache over mutual TLS, bounded in time and
// size, and returns it verified and decoded.
func (a *Agent) fetchPeer(ctx context.Context, addr string) (*wire.Cached, entity.Valid, error) {
	ctx, cancel := context.WithTimeout(ctx, a.opts.Timing.Peer)
	defer cancel()
	tr := &http.Transport{TLSClientConfig: a.opts.Trust.PeerClientConfig()}
	defer tr.CloseIdleConnections()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "https://"+addr+PeerPath, nil)
	if err != nil {
		return nil, entity.Valid{}, err
	}
	// A redirect is not followed: it could lead outside cluster_peers'
	// mutual TLS (to plain HTTP); the peer is refused with its status.
	client := &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		return nil, entity.Valid{}, fmt.Errorf("cannot fetch its config cache: %w", err)
	}
	defer resp.Body.Close()
	limit := a.peerLimit()
	data, err := io.ReadAll(io.LimitReader(resp.Body, int64(limit)+1))
	switch {
	case err != nil:
		return nil, entity.Valid{}, fmt.Errorf("reading its config cache: %w", err)
	case resp.StatusCode != http.StatusOK:
		return nil, entity.Valid{}, fmt.Errorf("it answered %s: %s", resp.Status, strings.TrimSpace(string(data[:min(len(data), 300)])))
	case len(data) > limit:
		return nil, entity.Valid{}, fmt.Errorf("its config cache is larger than %d bytes (2 × cluster_max_payload + 1 MiB)", limit)
	}
	c, err := wire.DecodeCache(data)
	if err != nil {
		return nil, entity.Valid{}, fmt.Errorf("its config cache is damaged: %w", err)
	}
	if err := a.verifySigned(c); err != nil {
		return nil, entity.Valid{}, err
	}
	v, err := a.decodeCached(c)
	return c, v, err
}

// peerLimit bounds a cache fetched from a peer: a full payload and deltas
// weighing no more than it (wire.Cached.WithDelta), plus signatures.
func (a *Agent) peerLimit() int { return 2*a.opts.MaxPayload + 1<<20 }

// PeerHandler serves this node's config cache to its peers (on
// cluster_peer_listen, behind mutual TLS): only a cache whose every
// payload carries the control plane's signature is offered.
func (a *Agent) PeerHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+PeerPath, a.servePeer)
	return mux
}

func (a *Agent) servePeer(w http.ResponseWriter, r *http.Request) {
	// Each answer holds the whole file in memory: a few at a time. A
	// refused peer asks the next one in its cluster_peers.
	select {
	case a.peerSlots <- struct{}{}:
		defer func() { <-a.peerSlots }()
	default:
		http.Error(w, "this data plane is busy sending its config cache to other peers", http.StatusServiceUnavailable)
		return
	}
	_ = a.file.flush() // the latest; a failed write is logged, and the file holds the one before
	c, raw, err := wire.ReadCacheFile(a.cachePath())
	switch {
	case errors.Is(err, wire.ErrNoCache):
		http.Error(w, "this data plane has no config cache yet", http.StatusNotFound)
		return
	case err != nil:
		a.log.Warn("cannot offer the config cache to a peer", "remote", r.RemoteAddr, "error", err)
		http.Error(w, "this data plane's config cache cannot be read", http.StatusServiceUnavailable)
		return
	case !c.Signed():
		http.Error(w, "this data plane's config cache carries no control plane signature (it encoded the configuration itself)", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.Itoa(len(raw)))
	if _, err := w.Write(raw); err == nil {
		a.log.Info("config cache sent to a peer", "remote", r.RemoteAddr, "config_version", c.Version, "config_hash", c.Hash)
	}
}
