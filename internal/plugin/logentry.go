package plugin

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gantryhq/gantry/internal/entity"
)

// LogEntry is what log plugins send, in the shape of Kong's log serializer
// so existing log pipelines keep working. Credentials never appear:
// Authorization and Proxy-Authorization are redacted, and so is every
// header and query argument an authentication plugin named with
// HideFromLogs (key-auth's key names, jwt's), in the headers, the
// querystring and the URIs alike. Gantry goes beyond Kong here: Kong logs
// an API key unless hide_credentials removed it from the request.
type LogEntry struct {
	Request struct {
		Method      string            `json:"method"`
		URI         string            `json:"uri"`
		URL         string            `json:"url"`
		Size        int64             `json:"size"`
		Querystring map[string]any    `json:"querystring"`
		Headers     map[string]string `json:"headers"`
	} `json:"request"`
	UpstreamURI string `json:"upstream_uri"`
	Response    struct {
		Status  int               `json:"status"`
		Size    int64             `json:"size"`
		Headers map[string]string `json:"headers"`
	} `json:"response"`
	Route     *entity.Route    `json:"route,omitempty"`
	Service   *entity.Service  `json:"service,omitempty"`
	Consumer  *entity.Consumer `json:"consumer,omitempty"`
	Latencies struct {
		Request int64 `json:"request"` // ms, whole request
		Gantry  int64 `json:"gantry"`  // ms spent in the gateway
		Proxy   int64 `json:"proxy"`   // ms waiting for the upstream
	} `json:"latencies"`
	ClientIP            string `json:"client_ip"`
	StartedAt           int64  `json:"started_at"` // Unix ms
	AuthenticatedEntity *struct {
		ID string `json:"id"`
	} `json:"authenticated_entity,omitempty"`
	// Source is "upstream" for proxied responses, "gantry" for answers the
	// gateway made itself.
	Source string `json:"source"`
}

var redacted = map[string]bool{"authorization": true, "proxy-authorization": true}

// redactedValue replaces a credential in log entries.
const redactedValue = "REDACTED"

// HideFromLogs names request headers and query arguments (any case) that
// carry credentials: LogEntry shows them as REDACTED. Authentication
// plugins call it with the names they read a credential from, whether or
// not it authenticated. It does not allocate for up to 8 names.
func (c *Context) HideFromLogs(names ...string) {
	for _, n := range names {
		c.secrets = append(c.secrets, strings.ToLower(n))
	}
}

func (c *Context) secret(name string) bool {
	lname := strings.ToLower(name)
	return redacted[lname] || slices.Contains(c.secrets, lname)
}

// LogEntry describes the finished request. Call it in the log phase.
func (c *Context) LogEntry() *LogEntry {
	e := &LogEntry{}
	r := c.Request
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	uri := c.redactURI(r.URL.RequestURI())
	e.Request.Method, e.Request.URI = r.Method, uri
	e.Request.URL = scheme + "://" + r.Host + uri
	e.Request.Size = max(r.ContentLength, 0)
	e.Request.Querystring = map[string]any{}
	for k, v := range r.URL.Query() {
		switch {
		case c.secret(k):
			e.Request.Querystring[k] = redactedValue
		case len(v) == 1:
			e.Request.Querystring[k] = v[0]
		default:
			e.Request.Querystring[k] = v
		}
	}
	e.Request.Headers = c.flatten(r.Header)
	if r.Host != "" {
		e.Request.Headers["host"] = r.Host
	}
	e.UpstreamURI = c.redactURI(c.UpstreamURI)
	e.Response.Status, e.Response.Size = c.Response.Status, c.ResponseSize
	e.Response.Headers = c.flatten(c.Response.Header)
	e.Route, e.Service, e.Consumer = c.Route, c.Service, c.Consumer
	total, upstream, gateway := c.Latencies()
	e.Latencies.Request, e.Latencies.Proxy, e.Latencies.Gantry = total.Milliseconds(), upstream.Milliseconds(), gateway.Milliseconds()
	if c.ClientIP.IsValid() {
		e.ClientIP = c.ClientIP.String()
	}
	e.StartedAt = c.Started.UnixMilli()
	if c.Credential != nil {
		e.AuthenticatedEntity = &struct {
			ID string `json:"id"`
		}{c.Credential.ID}
	}
	e.Source = "upstream"
	if c.UpstreamURI == "" {
		e.Source = "gantry"
	}
	return e
}

// Latencies splits the request's time so far: total, waiting for the
// upstream, and spent in the gateway (total minus upstream).
func (c *Context) Latencies() (total, upstream, gateway time.Duration) {
	total = time.Since(c.Started)
	return total, c.UpstreamLatency, max(0, total-c.UpstreamLatency)
}

// flatten lower-cases names and joins repeated values with ", ",
// redacting credentials.
func (c *Context) flatten(h http.Header) map[string]string {
	out := make(map[string]string, len(h))
	for k, v := range h {
		lk := strings.ToLower(k)
		if c.secret(lk) {
			out[lk] = redactedValue
			continue
		}
		out[lk] = strings.Join(v, ", ")
	}
	return out
}

// redactURI replaces the values of secret query arguments in a request
// URI ("/path?apikey=k&a=b" → "/path?apikey=REDACTED&a=b"), keeping the
// rest byte for byte.
func (c *Context) redactURI(uri string) string {
	path, query, ok := strings.Cut(uri, "?")
	if !ok || len(c.secrets) == 0 {
		return uri
	}
	parts := strings.Split(query, "&")
	changed := false
	for i, part := range parts {
		k, _, _ := strings.Cut(part, "=")
		if name, err := url.QueryUnescape(k); err == nil && c.secret(name) {
			parts[i], changed = k+"="+redactedValue, true
		}
	}
	if !changed {
		return uri
	}
	return path + "?" + strings.Join(parts, "&")
}
