// Package proxycache is the proxy-cache plugin: it keeps upstream
// responses in memory and answers later identical requests from there,
// with Kong's cache key rules and X-Cache-Status / X-Cache-Key / Age
// headers.
package proxycache

import (
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gantryhq/gantry/internal/plugin"
)

// Priority is Kong's priority for proxy-cache.
const Priority = 100

func init() {
	plugin.Register(plugin.New(plugin.Spec[Config]{
		Name: "proxy-cache", Version: plugin.BundledVersion, Priority: Priority, Defaults: defaults,
		New: func(cfg *Config, env *plugin.Env) (plugin.Handler, error) {
			st := env.Shared.Get("proxy-cache/memory/"+cfg.Memory.DictionaryName, func() any { return newStore(maxStoreBytes) }).(*store)
			return &Handler{cfg: cfg, store: st}, nil
		},
	}))
}

// Handler caches for one instance.
type Handler struct {
	cfg   *Config
	store *store
}

var (
	_ plugin.Access       = (*Handler)(nil)
	_ plugin.HeaderFilter = (*Handler)(nil)
	_ plugin.BodyFilter   = (*Handler)(nil)
)

// pending is the per-request state between access and the filters.
type pending struct {
	key    string
	status string // Miss, Refresh, Bypass, Hit
	store  bool   // the response may be stored (decided in the header filter)
	ttl    time.Duration
}

type stateKey struct{}

// Access answers from the cache when it holds a fresh response.
func (h *Handler) Access(ctx *plugin.Context) error {
	p := &pending{}
	ctx.Set(stateKey{}, p)
	r := ctx.Request
	reqCC := parseCacheControl(r.Header.Get("Cache-Control"))
	if !slices.Contains(h.cfg.RequestMethod, r.Method) || (h.cfg.CacheControl && reqCC.has("no-store")) {
		p.status = "Bypass"
		return nil
	}
	p.key = h.key(ctx)
	now := time.Now()
	e := h.store.get(p.key, now)
	switch {
	case e == nil:
		p.status = "Miss"
	case now.Sub(e.stored) >= e.ttl || (h.cfg.CacheControl && !fresh(reqCC, e, now)):
		h.store.purge(p.key)
		p.status = "Refresh"
	default:
		p.status = "Hit"
		hdr := e.header.Clone()
		if h.cfg.ResponseHeaders.Age {
			hdr.Set("Age", strconv.Itoa(int(now.Sub(e.stored).Seconds())))
		}
		ctx.Exit(e.status, e.body, hdr)
	}
	return nil
}

// HeaderFilter decides whether the response can be stored and adds the
// cache headers.
func (h *Handler) HeaderFilter(ctx *plugin.Context) error {
	p, _ := ctx.Get(stateKey{}).(*pending)
	if p == nil {
		return nil
	}
	hdr := ctx.Response.Header
	if p.status == "Miss" || p.status == "Refresh" {
		p.ttl, p.store = h.cacheable(ctx.Response.Status, hdr)
		if !p.store {
			p.status = "Bypass"
		}
	}
	if h.cfg.ResponseHeaders.CacheStatus {
		hdr.Set("X-Cache-Status", p.status)
	}
	if h.cfg.ResponseHeaders.CacheKey && p.key != "" {
		hdr.Set("X-Cache-Key", p.key)
	}
	return nil
}

// BodyFilter stores a cacheable response once its body is complete.
func (h *Handler) BodyFilter(ctx *plugin.Context, body []byte) ([]byte, error) {
	p, _ := ctx.Get(stateKey{}).(*pending)
	if p == nil || !p.store || ctx.Exited() {
		return body, nil
	}
	hdr := ctx.Response.Header.Clone()
	for _, k := range []string{"X-Cache-Status", "Age", "Content-Length", "Transfer-Encoding", "Connection"} {
		hdr.Del(k)
	}
	storage := p.ttl
	if h.cfg.StorageTTL != nil {
		storage = time.Duration(*h.cfg.StorageTTL) * time.Second
	}
	now := time.Now()
	h.store.put(&entry{key: p.key, status: ctx.Response.Status, header: hdr, body: append([]byte(nil), body...),
		stored: now, ttl: p.ttl, expires: now.Add(max(storage, p.ttl))})
	return body, nil
}

// cacheable applies response_code, content_type and, with cache_control,
// the response's Cache-Control; it returns the freshness lifetime.
func (h *Handler) cacheable(status int, hdr http.Header) (time.Duration, bool) {
	ttl := time.Duration(h.cfg.CacheTTL) * time.Second
	if !slices.Contains(h.cfg.ResponseCode, status) || !h.contentTypeAllowed(hdr.Get("Content-Type")) {
		return 0, false
	}
	if !h.cfg.CacheControl {
		return ttl, true
	}
	cc := parseCacheControl(hdr.Get("Cache-Control"))
	if cc.has("private") || cc.has("no-store") || cc.has("no-cache") {
		return 0, false
	}
	for _, d := range []string{"s-maxage", "max-age"} {
		if v, ok := cc[d]; ok {
			n, err := strconv.Atoi(v)
			if err != nil || n <= 0 {
				return 0, false
			}
			return time.Duration(n) * time.Second, true
		}
	}
	return ttl, true
}

func (h *Handler) contentTypeAllowed(ct string) bool {
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	for _, allowed := range h.cfg.ContentType {
		amt, aparams, err := mime.ParseMediaType(allowed)
		if err != nil {
			continue
		}
		if amt == "*/*" || amt == mt || (strings.HasSuffix(amt, "/*") && strings.HasPrefix(mt, strings.TrimSuffix(amt, "*"))) {
			if cs := aparams["charset"]; cs == "" || strings.EqualFold(cs, params["charset"]) {
				return true
			}
		}
	}
	return false
}
