// Package httplog is the http-log plugin: it sends each request's log
// entry (Kong's format, see plugin.LogEntry) to an HTTP endpoint, batched
// and retried in the background.
package httplog

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/gantryhq/gantry/internal/plugin"
)

// Priority is Kong's priority for http-log.
const Priority = 12

func init() {
	plugin.Register(plugin.New(plugin.Spec[Config]{
		Name: "http-log", Version: plugin.BundledVersion, Priority: Priority, Defaults: defaults,
		New: newHandler,
	}))
}

// newHandler reuses the instance's queue across snapshots while its
// config is unchanged; the queue stops when the last snapshot using it
// retires, or at Registry.Close.
func newHandler(cfg *Config, env *plugin.Env) (plugin.Handler, error) {
	raw, err := json.Marshal(cfg)
	if err != nil {
		return nil, fmt.Errorf("http-log: %w", err)
	}
	sum := sha256.Sum256(raw)
	key := "http-log/" + env.ID + "/" + hex.EncodeToString(sum[:8])
	q := env.Shared.Get(key, func() any {
		s := newSender(cfg)
		return newQueue(cfg.Queue, env.Logger, s.send, s.client.CloseIdleConnections)
	}).(*queue)
	return &Handler{queue: q}, nil
}

// Handler enqueues entries.
type Handler struct{ queue *queue }

var _ plugin.Log = (*Handler)(nil)

// Log encodes the entry and queues it; it never waits on the network.
func (h *Handler) Log(ctx *plugin.Context) {
	b, err := json.Marshal(ctx.LogEntry())
	if err != nil {
		ctx.Logger().Error("http-log: encode entry", "error", err)
		return
	}
	h.queue.add(b)
}

// sender posts batches to the endpoint.
type sender struct {
	cfg      *Config
	endpoint string
	user     *url.Userinfo
	client   *http.Client
}

func newSender(cfg *Config) *sender {
	u, _ := url.Parse(cfg.HTTPEndpoint) // validated
	s := &sender{cfg: cfg, user: u.User}
	u.User = nil
	s.endpoint = u.String()
	s.client = &http.Client{
		Timeout:   time.Duration(cfg.Timeout) * time.Millisecond,
		Transport: &http.Transport{IdleConnTimeout: time.Duration(cfg.Keepalive) * time.Millisecond, MaxIdleConnsPerHost: 4},
	}
	return s
}

// send posts one batch: a JSON object when batches hold one entry (Kong's
// max_batch_size 1), else a JSON array. A status >= 300 is a failure.
func (s *sender) send(ctx context.Context, batch [][]byte) error {
	var body []byte
	if s.cfg.Queue.MaxBatchSize == 1 {
		body = batch[0]
	} else {
		body = append([]byte{'['}, bytes.Join(batch, []byte{','})...)
		body = append(body, ']')
	}
	req, err := http.NewRequestWithContext(ctx, s.cfg.Method, s.endpoint, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", s.cfg.ContentType)
	for k, v := range s.cfg.Headers {
		req.Header.Set(k, v)
	}
	if s.user != nil {
		pass, _ := s.user.Password()
		req.SetBasicAuth(s.user.Username(), pass)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode >= 300 {
		return fmt.Errorf("%s answered %d", s.endpoint, resp.StatusCode)
	}
	return nil
}
