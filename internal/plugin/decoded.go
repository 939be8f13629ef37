package plugin

import (
	"reflect"
	"runtime"
	"sync"
	"weak"

	"github.com/gantryhq/gantry/internal/entity"
)

// decodeCache keeps the typed config Normalize decoded for a plugin entity
// until BuildChains builds that entity. On the apply path the declarative
// loader or the cluster codec normalizes every plugin and the snapshot
// then builds it: without the cache each apply decoded every config twice.
// Entries hold the entity weakly, so an entity validated and never built
// (an Admin API write on a control plane) leaves nothing behind once it is
// dropped.
type decodeCache struct {
	m sync.Map // weak.Pointer[entity.Plugin] → decoded
}

type decoded struct {
	plugin *Plugin
	// config is the p.Config the typed config was rendered into: an
	// entity whose config was replaced since is decoded again.
	config map[string]any
	cfg    any
}

func (c *decodeCache) put(p *entity.Plugin, pl *Plugin, cfg any) {
	wp := weak.Make(p)
	if _, loaded := c.m.Swap(wp, decoded{plugin: pl, config: p.Config, cfg: cfg}); !loaded {
		runtime.AddCleanup(p, func(wp weak.Pointer[entity.Plugin]) { c.m.Delete(wp) }, wp)
	}
}

// take returns the typed config kept for p, once: the handler built from
// it may keep it, so two builds never share one.
func (c *decodeCache) take(p *entity.Plugin, pl *Plugin) (any, bool) {
	v, ok := c.m.LoadAndDelete(weak.Make(p))
	if !ok {
		return nil, false
	}
	d := v.(decoded)
	same := reflect.ValueOf(d.config).UnsafePointer() == reflect.ValueOf(p.Config).UnsafePointer()
	if d.plugin != pl || !same {
		return nil, false
	}
	return d.cfg, true
}
