package balancer

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"
)

// startActiveChecks runs one probe loop for healthy addresses and one for
// unhealthy ones, each at its own interval (0 disables it), as Kong does:
// probing only unhealthy addresses is how passive checks get targets back.
func (b *Balancer) startActiveChecks() {
	if b.hc.healthyEvery > 0 {
		b.goLoop(b.hc.healthyEvery, func(ctx context.Context) { b.probeRound(ctx, true) })
	}
	if b.hc.unhealthyEvery > 0 {
		b.goLoop(b.hc.unhealthyEvery, func(ctx context.Context) { b.probeRound(ctx, false) })
	}
}

// probeRound probes every address whose health equals healthy, at most
// healthchecks.active.concurrency at a time, and waits for all of them.
func (b *Balancer) probeRound(ctx context.Context, healthy bool) {
	limit := b.hc.activeCfg.Concurrency
	if limit <= 0 {
		limit = 10
	}
	sem := make(chan struct{}, limit)
	var wg sync.WaitGroup
	defer wg.Wait()
	for _, p := range b.view.Load().all {
		if p.healthy.Load() != healthy {
			continue
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			return
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			ev := b.probe(ctx, p)
			if ctx.Err() == nil { // a probe cut short by Close says nothing
				b.report(p, b.hc.active, ev)
			}
		}()
	}
}

// probe checks one address once: a TCP connect for type tcp, else an HTTP(S)
// GET of http_path on a fresh connection, all within the active timeout.
func (b *Balancer) probe(ctx context.Context, p *peer) event {
	cfg := &b.hc.activeCfg
	timeout := seconds(cfg.Timeout)
	if timeout == 0 {
		timeout = time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", p.addr)
	if err != nil {
		return errorEvent(err)
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	if cfg.Type == "tcp" || cfg.Type == "tls" {
		return evSuccess
	}
	host := b.probeHost(p.t)
	if cfg.Type == "https" {
		sni := cfg.HTTPSSni
		if sni == "" {
			sni = strings.Trim(host, "[]")
		}
		tc := tls.Client(conn, &tls.Config{
			ServerName:         sni,
			InsecureSkipVerify: !cfg.HTTPSVerifyCertificate, // the user's choice: https_verify_certificate=false
			RootCAs:            b.opts.RootCAs,
		})
		if err := tc.HandshakeContext(ctx); err != nil {
			return errorEvent(err)
		}
		conn = tc
	}
	path := cfg.HTTPPath
	if path == "" {
		path = "/"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, path, nil)
	if err != nil {
		return evTCPFailure // an http_path that is not a path cannot be probed
	}
	req.Host = host
	req.Close = true
	for k, vs := range cfg.Headers {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	if req.Header.Get("User-Agent") == "" {
		req.Header.Set("User-Agent", "gantry-healthcheck")
	}
	if err := req.Write(conn); err != nil {
		return errorEvent(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), req)
	if err != nil {
		return errorEvent(err)
	}
	resp.Body.Close()
	return classify(&b.hc.active, false, false, resp.StatusCode)
}

// probeHost is the Host header of a probe, as Kong's health checker sends
// it: host_header, else the target's host name or IP, without the port.
func (b *Balancer) probeHost(t *target) string {
	switch {
	case b.up.HostHeader != "":
		return b.up.HostHeader
	case t.isIP && strings.Contains(t.host, ":"):
		return "[" + t.host + "]"
	}
	return t.host
}

// errorEvent tells a timeout from other connection failures.
func errorEvent(err error) event {
	var ne net.Error
	if errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) ||
		(errors.As(err, &ne) && ne.Timeout()) {
		return evTimeout
	}
	return evTCPFailure
}
