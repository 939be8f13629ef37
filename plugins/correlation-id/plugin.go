// Package correlationid is the correlation-id plugin: it gives every
// request an id, sent upstream in a header (and back to the client when
// echo_downstream), unless the client already sent one.
package correlationid

import (
	"os"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/gantryhq/gantry/internal/plugin"
)

// Priority is Kong's priority for correlation-id: first of all, so every
// other plugin and the logs see the id.
const Priority = 100001

func init() {
	plugin.Register(plugin.New(plugin.Spec[Config]{
		Name: "correlation-id", Version: plugin.BundledVersion, Priority: Priority, Defaults: defaults,
		New: func(cfg *Config, _ *plugin.Env) (plugin.Handler, error) {
			return &Handler{cfg: cfg, prefix: uuid.NewString() + "#", pid: strconv.Itoa(os.Getpid())}, nil
		},
	}))
}

// Handler generates ids. uuid#counter ids are a per-instance UUID and a
// counter, unique without the cost of a random UUID per request.
type Handler struct {
	cfg     *Config
	prefix  string
	pid     string
	counter atomic.Uint64
}

var (
	_ plugin.Access       = (*Handler)(nil)
	_ plugin.HeaderFilter = (*Handler)(nil)
)

type idKey struct{}

// Access keeps the client's id or sets a new one upstream.
func (h *Handler) Access(ctx *plugin.Context) error {
	id := ctx.Request.Header.Get(h.cfg.HeaderName)
	if id == "" {
		id = h.generate(ctx)
		ctx.Request.Header.Set(h.cfg.HeaderName, id)
	}
	if h.cfg.EchoDownstream {
		ctx.Set(idKey{}, id)
	}
	return nil
}

// HeaderFilter echoes the id to the client when configured.
func (h *Handler) HeaderFilter(ctx *plugin.Context) error {
	if id, ok := ctx.Get(idKey{}).(string); ok {
		ctx.Response.Header.Set(h.cfg.HeaderName, id)
	}
	return nil
}

func (h *Handler) generate(ctx *plugin.Context) string {
	switch h.cfg.Generator {
	case "uuid":
		return uuid.NewString()
	case "tracker":
		// client ip - pid - counter - unix time with ms, like Kong's tracker
		// (which uses nginx's connection variables).
		return ctx.ClientIP.String() + "-" + h.pid + "-" + strconv.FormatUint(h.counter.Add(1), 10) + "-" +
			strconv.FormatFloat(float64(time.Now().UnixMilli())/1000, 'f', 3, 64)
	}
	return h.prefix + strconv.FormatUint(h.counter.Add(1), 10)
}
