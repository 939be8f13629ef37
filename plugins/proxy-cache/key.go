package proxycache

import (
	"crypto/md5"
	"encoding/hex"
	"slices"
	"strings"

	"github.com/gantryhq/gantry/internal/plugin"
)

// key is Kong's cache key: md5 of the route, consumer, method, path and
// the varying query arguments and headers.
func (h *Handler) key(ctx *plugin.Context) string {
	r := ctx.Request
	var b strings.Builder
	if ctx.Route != nil {
		b.WriteString(ctx.Route.ID)
	}
	b.WriteByte('|')
	if ctx.Consumer != nil {
		b.WriteString(ctx.Consumer.ID)
	}
	b.WriteString("|" + r.Method + "|")
	path := r.URL.Path
	if h.cfg.IgnoreURICase {
		path = strings.ToLower(path)
	}
	b.WriteString(path + "|")
	q := r.URL.Query()
	names := h.cfg.VaryQueryParams
	if len(names) == 0 {
		for n := range q {
			names = append(names, n)
		}
	}
	names = slices.Sorted(slices.Values(names))
	for _, n := range names {
		b.WriteString(n + "=" + strings.Join(q[n], ",") + "&")
	}
	b.WriteByte('|')
	for _, n := range h.cfg.VaryHeaders {
		b.WriteString(strings.ToLower(n) + "=" + strings.Join(r.Header.Values(n), ",") + "&")
	}
	sum := md5.Sum([]byte(b.String()))
	return hex.EncodeToString(sum[:])
}
