// Package ratelimiting is the rate-limiting plugin: it limits how many
// requests a consumer (or credential, IP, service, header value, path)
// makes per second, minute, hour, day, month and year, with Kong's
// headers and answers. The local policy counts in this node's memory; the
// redis policy shares counters between nodes.
package ratelimiting

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/gantryhq/gantry/internal/plugin"
)

// Priority is Kong's priority for rate-limiting: after authentication, so
// limits can be per consumer.
const Priority = 910

func init() {
	plugin.Register(plugin.New(plugin.Spec[Config]{
		Name: "rate-limiting", Version: plugin.BundledVersion, Priority: Priority, Defaults: defaults,
		New: newHandler,
	}))
}

// store is a counting policy. take fills usage (the count of each window
// before this request) and counts the request when no window is exhausted.
type store interface {
	take(ctx context.Context, who counterKey, lims []limit, now time.Time, usage []int64) (bool, error)
}

func newHandler(cfg *Config, env *plugin.Env) (plugin.Handler, error) {
	h := &Handler{cfg: cfg, limits: cfg.limits()}
	for _, l := range h.limits {
		h.maxText = append(h.maxText, strconv.FormatInt(l.max, 10))
	}
	switch cfg.Policy {
	case "redis":
		st, err := newRedisStore(cfg, env)
		if err != nil {
			return nil, err
		}
		h.store = st
	default:
		h.local = env.Shared.Get("rate-limiting/local/"+env.ID, func() any { return newLocalStore() }).(*localStore)
	}
	return h, nil
}

// Handler enforces one instance's limits.
type Handler struct {
	cfg     *Config
	limits  []limit
	maxText []string    // limits as header values
	local   *localStore // local policy; called directly, no interface
	store   store       // other policies
}

var _ plugin.Access = (*Handler)(nil)

// Access counts the request and answers 429 once a window is exhausted.
func (h *Handler) Access(ctx *plugin.Context) error {
	now := time.Now()
	var buf [numPeriods]int64
	usage := buf[:len(h.limits)]
	allowed := true
	if h.local != nil {
		allowed = h.local.take(h.identify(ctx), h.limits, now, usage)
	} else {
		var err error
		allowed, err = h.store.take(ctx.Request.Context(), h.identify(ctx), h.limits, now, usage)
		if err != nil {
			if !h.cfg.FaultTolerant {
				return err
			}
			ctx.Logger().Warn("rate-limiting counters unavailable, request let through", "error", err)
			return nil
		}
	}
	if allowed && h.cfg.HideClientHeaders {
		return nil
	}
	var exit http.Header
	if !allowed {
		exit = http.Header{}
	}
	if !h.cfg.HideClientHeaders {
		h.headers(ctx, exit, usage, now)
	}
	if !allowed {
		ctx.Exit(h.cfg.ErrorCode, h.cfg.ErrorMessage, exit)
	}
	return nil
}

// headers sets Kong's rate-limiting headers, into exit when the request is
// refused, else on the response to come.
func (h *Handler) headers(ctx *plugin.Context, exit http.Header, usage []int64, now time.Time) {
	set := func(k, v string) {
		if exit != nil {
			exit.Set(k, v)
		} else {
			ctx.SetResponseHeader(k, v)
		}
	}
	stop := -1
	for i, l := range h.limits {
		if l.max-usage[i] <= 0 {
			stop = i
			break
		}
	}
	best, bestRemaining := -1, int64(0)
	for i, l := range h.limits {
		remaining := l.max - usage[i]
		if stop < 0 || stop == i {
			remaining-- // this request counts
		}
		remaining = max(0, remaining)
		if best < 0 || remaining < bestRemaining || (remaining == bestRemaining && l.period > h.limits[best].period) {
			best, bestRemaining = i, remaining
		}
		set(limitHeaders[l.period], h.maxText[i])
		set(remainingHeaders[l.period], strconv.FormatInt(remaining, 10))
	}
	p := h.limits[best].period
	reset := strconv.FormatInt(max(1, p.seconds()-(now.Unix()-p.start(now))), 10)
	set(rlLimit, h.maxText[best])
	set(rlRemaining, strconv.FormatInt(bestRemaining, 10))
	set(rlReset, reset)
	if exit != nil {
		exit.Set("Retry-After", reset)
	}
}

// identify returns who is counted, falling back to the client IP as Kong
// does when the chosen identity is missing.
func (h *Handler) identify(ctx *plugin.Context) counterKey {
	switch h.cfg.LimitBy {
	case "consumer":
		if ctx.Consumer != nil {
			return counterKey{ident: ctx.Consumer.ID}
		}
		if ctx.Credential != nil {
			return counterKey{ident: ctx.Credential.ID}
		}
	case "credential":
		if ctx.Credential != nil {
			return counterKey{ident: ctx.Credential.ID}
		}
	case "service":
		if ctx.Service != nil {
			return counterKey{ident: ctx.Service.ID}
		}
	case "header":
		if v := ctx.Request.Header.Get(*h.cfg.HeaderName); v != "" {
			return counterKey{ident: v}
		}
	case "path":
		if ctx.Request.URL.Path == *h.cfg.Path {
			return counterKey{ident: *h.cfg.Path}
		}
	}
	return counterKey{ip: ctx.ClientIP}
}
