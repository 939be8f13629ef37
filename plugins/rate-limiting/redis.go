package ratelimiting

import (
	"errors"

	"github.com/gantryhq/gantry/internal/plugin"
)

func newRedisStore(cfg *Config, env *plugin.Env) (store, error) {
	return nil, errors.New("the redis policy is not available yet; use policy local")
}
