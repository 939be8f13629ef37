package ratelimiting

import (
	"fmt"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/plugin"
)

// Config is rate-limiting's configuration, with Kong's field names. Limits
// are requests per window; unset windows are not limited.
type Config struct {
	Second            *float64 `json:"second"`
	Minute            *float64 `json:"minute"`
	Hour              *float64 `json:"hour"`
	Day               *float64 `json:"day"`
	Month             *float64 `json:"month"`
	Year              *float64 `json:"year"`
	LimitBy           string   `json:"limit_by"`
	HeaderName        *string  `json:"header_name"`
	Path              *string  `json:"path"`
	Policy            string   `json:"policy"`
	FaultTolerant     bool     `json:"fault_tolerant"`
	Redis             Redis    `json:"redis"`
	HideClientHeaders bool     `json:"hide_client_headers"`
	ErrorCode         int      `json:"error_code"`
	ErrorMessage      string   `json:"error_message"`
	SyncRate          float64  `json:"sync_rate"`
}

// Redis is the connection of the redis policy (Kong 3.6's nested record).
type Redis struct {
	Host       *string `json:"host"`
	Port       int     `json:"port"`
	Username   *string `json:"username"`
	Password   *string `json:"password"`
	Database   int     `json:"database"`
	Timeout    int     `json:"timeout"` // milliseconds
	SSL        bool    `json:"ssl"`
	SSLVerify  bool    `json:"ssl_verify"`
	ServerName *string `json:"server_name"`
}

func defaults() *Config {
	return &Config{
		LimitBy: "consumer", Policy: "local", FaultTolerant: true,
		Redis:     Redis{Port: 6379, Timeout: 2000},
		ErrorCode: 429, ErrorMessage: "API rate limit exceeded", SyncRate: -1,
	}
}

// Shorthands accepts the flat redis_* fields of Kong before 3.6, so older
// declarative files load; they set the redis record.
func (c *Config) Shorthands() map[string]string {
	return map[string]string{
		"redis_host": "redis.host", "redis_port": "redis.port", "redis_username": "redis.username",
		"redis_password": "redis.password", "redis_database": "redis.database", "redis_timeout": "redis.timeout",
		"redis_ssl": "redis.ssl", "redis_ssl_verify": "redis.ssl_verify", "redis_server_name": "redis.server_name",
	}
}

// limits returns the configured windows, shortest first.
func (c *Config) limits() []limit {
	var out []limit
	for i, v := range []*float64{c.Second, c.Minute, c.Hour, c.Day, c.Month, c.Year} {
		if v != nil {
			out = append(out, limit{period: period(i), max: int64(*v)})
		}
	}
	return out
}

// Validate applies Kong's checks: at least one window, longer windows not
// lower than shorter ones, and the fields that limit_by and policy need.
func (c *Config) Validate() entity.Errors {
	var errs entity.Errors
	lim := c.limits()
	if len(lim) == 0 {
		errs.Add("", plugin.AtLeastOneOf("second", "minute", "hour", "day", "month", "year"))
	}
	for i, l := range lim {
		if l.max < 0 {
			errs.Add(l.period.name(), "value must be greater than -1")
		}
		for _, longer := range lim[i+1:] {
			if longer.max < l.max {
				errs.Add("", fmt.Sprintf("The limit for %s(%.1f) cannot be lower than the limit for %s(%.1f)",
					longer.period.name(), float64(longer.max), l.period.name(), float64(l.max)))
			}
		}
	}
	plugin.OneOf(&errs, "limit_by", c.LimitBy, "consumer", "credential", "ip", "service", "header", "path")
	if c.LimitBy == "header" && (c.HeaderName == nil || *c.HeaderName == "") {
		errs.Add("header_name", "required field missing")
	}
	if c.LimitBy == "path" && (c.Path == nil || *c.Path == "") {
		errs.Add("path", "required field missing")
	}
	switch c.Policy {
	case "local", "redis":
	case "cluster":
		errs.Add("policy", "the cluster policy needs a shared database, which Gantry's data path does not use; use local or redis")
	default:
		errs.Add("policy", "expected one of: local, cluster, redis")
	}
	if c.Policy == "redis" && (c.Redis.Host == nil || *c.Redis.Host == "") {
		errs.Add("redis.host", "required field missing")
	}
	if c.ErrorCode < 100 || c.ErrorCode > 599 {
		errs.Add("error_code", "value should be between 100 and 599")
	}
	return errs
}
