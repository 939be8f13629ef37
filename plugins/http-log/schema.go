package httplog

import (
	"net/url"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/plugin"
)

// Config is http-log's configuration, with Kong's field names.
type Config struct {
	HTTPEndpoint string            `json:"http_endpoint"`
	Method       string            `json:"method"`
	ContentType  string            `json:"content_type"`
	Timeout      float64           `json:"timeout"`   // ms
	Keepalive    float64           `json:"keepalive"` // ms
	Headers      map[string]string `json:"headers"`
	Queue        Queue             `json:"queue"`
	// Deprecated Kong fields, accepted and ignored.
	RetryCount   *float64 `json:"retry_count"`
	QueueSize    *float64 `json:"queue_size"`
	FlushTimeout *float64 `json:"flush_timeout"`
	// CustomFieldsByLua is Kong's Lua hook; only an empty value is accepted.
	CustomFieldsByLua map[string]string `json:"custom_fields_by_lua"`
}

// Queue is Kong's queue record: how entries are batched and retried.
type Queue struct {
	MaxBatchSize       int      `json:"max_batch_size"`
	MaxCoalescingDelay float64  `json:"max_coalescing_delay"` // s
	MaxEntries         int      `json:"max_entries"`
	MaxBytes           *int     `json:"max_bytes"`
	MaxRetryTime       float64  `json:"max_retry_time"`      // s
	InitialRetryDelay  float64  `json:"initial_retry_delay"` // s
	MaxRetryDelay      float64  `json:"max_retry_delay"`     // s
	ConcurrencyLimit   *float64 `json:"concurrency_limit"`
}

func defaults() *Config {
	return &Config{
		Method: "POST", ContentType: "application/json", Timeout: 10000, Keepalive: 60000,
		Queue: Queue{MaxBatchSize: 1, MaxCoalescingDelay: 1, MaxEntries: 10000, MaxRetryTime: 60,
			InitialRetryDelay: 0.01, MaxRetryDelay: 60},
	}
}

// Validate checks the endpoint, method, content type and queue bounds.
func (c *Config) Validate() entity.Errors {
	var errs entity.Errors
	if c.HTTPEndpoint == "" {
		errs.Add("http_endpoint", "required field missing")
	} else if u, err := url.Parse(c.HTTPEndpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs.Add("http_endpoint", "missing host in url")
	}
	plugin.OneOf(&errs, "method", c.Method, "POST", "PUT", "PATCH")
	plugin.OneOf(&errs, "content_type", c.ContentType, "application/json", "application/json; charset=utf-8")
	for name := range c.Headers {
		plugin.CheckHeaderName(&errs, "headers."+name, name)
	}
	if c.Queue.MaxBatchSize < 1 || c.Queue.MaxBatchSize > 1000000 {
		errs.Add("queue.max_batch_size", "value should be between 1 and 1000000")
	}
	if c.Queue.MaxEntries < 1 || c.Queue.MaxEntries > 1000000 {
		errs.Add("queue.max_entries", "value should be between 1 and 1000000")
	}
	if c.Queue.MaxCoalescingDelay < 0 || c.Queue.MaxCoalescingDelay > 3600 {
		errs.Add("queue.max_coalescing_delay", "value should be between 0 and 3600")
	}
	if c.Timeout <= 0 {
		errs.Add("timeout", "value must be greater than 0")
	}
	if len(c.CustomFieldsByLua) > 0 {
		errs.Add("custom_fields_by_lua", "Lua is not supported by Gantry; remove this field")
	}
	return errs
}
