package proxycache

import (
	"fmt"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/plugin"
)

// Config is proxy-cache's configuration, with Kong's field names.
type Config struct {
	ResponseCode    []int           `json:"response_code"`
	RequestMethod   []string        `json:"request_method"`
	ContentType     []string        `json:"content_type"`
	CacheTTL        int             `json:"cache_ttl"`
	Strategy        string          `json:"strategy"`
	CacheControl    bool            `json:"cache_control"`
	IgnoreURICase   bool            `json:"ignore_uri_case"`
	StorageTTL      *int            `json:"storage_ttl"`
	Memory          Memory          `json:"memory"`
	VaryQueryParams []string        `json:"vary_query_params"`
	VaryHeaders     []string        `json:"vary_headers"`
	ResponseHeaders ResponseHeaders `json:"response_headers"`
}

// Memory names the shared store; instances naming the same dictionary
// share entries, as Kong's shared dictionaries do.
type Memory struct {
	DictionaryName string `json:"dictionary_name"`
}

// ResponseHeaders says which cache headers clients get.
type ResponseHeaders struct {
	Age         bool `json:"age"`
	CacheStatus bool `json:"X-Cache-Status"`
	CacheKey    bool `json:"X-Cache-Key"`
}

func defaults() *Config {
	return &Config{
		ResponseCode: []int{200, 301, 404}, RequestMethod: []string{"GET", "HEAD"},
		ContentType: []string{"text/plain", "application/json"}, CacheTTL: 300, Strategy: "memory",
		Memory:          Memory{DictionaryName: "kong_db_cache"},
		ResponseHeaders: ResponseHeaders{Age: true, CacheStatus: true, CacheKey: true},
	}
}

// Validate checks codes, methods, TTLs and the strategy.
func (c *Config) Validate() entity.Errors {
	var errs entity.Errors
	for i, code := range c.ResponseCode {
		if code < 100 || code > 900 {
			errs.Add(fmt.Sprintf("response_code[%d]", i+1), "value should be between 100 and 900")
		}
	}
	for i, m := range c.RequestMethod {
		plugin.OneOf(&errs, fmt.Sprintf("request_method[%d]", i+1), m, "HEAD", "GET", "POST", "PATCH", "PUT")
	}
	if c.CacheTTL <= 0 {
		errs.Add("cache_ttl", "value must be greater than 0")
	}
	if c.StorageTTL != nil && *c.StorageTTL <= 0 {
		errs.Add("storage_ttl", "value must be greater than 0")
	}
	plugin.OneOf(&errs, "strategy", c.Strategy, "memory")
	for i, h := range c.VaryHeaders {
		plugin.CheckHeaderName(&errs, fmt.Sprintf("vary_headers[%d]", i+1), h)
	}
	return errs
}
