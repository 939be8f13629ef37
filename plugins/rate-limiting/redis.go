package ratelimiting

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gantryhq/gantry/internal/plugin"
)

// takeScript checks every window and counts the request in all of them
// only when none is exhausted, atomically on the redis server (one round
// trip). KEYS are the window counters; ARGV holds the limits, then the
// expirations. It returns {allowed (0/1), usage of each window...}.
var takeScript = redis.NewScript(`
local n = #KEYS
local out = {1}
for i = 1, n do
  local used = tonumber(redis.call('GET', KEYS[i]) or '0')
  out[i + 1] = used
  if tonumber(ARGV[i]) - used <= 0 then out[1] = 0 end
end
if out[1] == 1 then
  for i = 1, n do
    if redis.call('INCR', KEYS[i]) == 1 then
      redis.call('EXPIRE', KEYS[i], ARGV[n + i])
    end
  end
end
return out
`)

// redisStore shares counters between nodes through redis. Keys carry the
// plugin instance id, so every data plane running the same instance counts
// together.
type redisStore struct {
	client *redis.Client
	id     string
}

// newRedisStore reuses one client (and its connection pool) per redis
// address across snapshots; it is closed when the last snapshot using it
// retires, or at Registry.Close.
func newRedisStore(cfg *Config, env *plugin.Env) (store, error) {
	r := cfg.Redis
	opts := &redis.Options{
		Addr:        net.JoinHostPort(*r.Host, strconv.Itoa(r.Port)),
		DB:          r.Database,
		DialTimeout: time.Duration(r.Timeout) * time.Millisecond,
		ReadTimeout: time.Duration(r.Timeout) * time.Millisecond, WriteTimeout: time.Duration(r.Timeout) * time.Millisecond,
	}
	if r.Username != nil {
		opts.Username = *r.Username
	}
	if r.Password != nil {
		opts.Password = *r.Password
	}
	if r.SSL {
		opts.TLSConfig = &tls.Config{InsecureSkipVerify: !r.SSLVerify, MinVersion: tls.VersionTLS12} //nolint:gosec // ssl_verify=false is the user's choice, as in Kong
		if r.ServerName != nil {
			opts.TLSConfig.ServerName = *r.ServerName
		}
	}
	key := fmt.Sprintf("rate-limiting/redis/%s/%d/%s/%t/%t/%d", opts.Addr, opts.DB, opts.Username, r.SSL, r.SSLVerify, r.Timeout)
	client := env.Shared.Get(key, func() any { return redis.NewClient(opts) }).(*redis.Client)
	return &redisStore{client: client, id: env.ID}, nil
}

func (s *redisStore) take(ctx context.Context, who counterKey, lims []limit, now time.Time, usage []int64) (bool, error) {
	ident := who.ident
	if ident == "" {
		ident = who.ip.String()
	}
	keys := make([]string, len(lims))
	args := make([]any, 0, 2*len(lims))
	for i, l := range lims {
		start := l.period.start(now)
		keys[i] = "ratelimit:" + s.id + ":" + ident + ":" + strconv.FormatInt(start, 10) + ":" + l.period.name()
		args = append(args, l.max)
	}
	for _, l := range lims {
		args = append(args, l.period.end(now)-now.Unix()+1) // expire with the window
	}
	res, err := takeScript.Run(ctx, s.client, keys, args...).Int64Slice()
	if err != nil {
		return false, fmt.Errorf("redis %s: %w", s.client.Options().Addr, err)
	}
	if len(res) != len(lims)+1 {
		return false, fmt.Errorf("redis %s: unexpected answer %v", s.client.Options().Addr, res)
	}
	copy(usage, res[1:])
	return res[0] == 1, nil
}
