package plugintest

import (
	"sync"
	"sync/atomic"

	"github.com/gantryhq/gantry/internal/plugin"
)

// Probe is a plugin kind for tests of the plugin machinery itself rather
// than of a plugin: it counts how often its config is decoded, and each
// instance keeps a value in plugin.Shared under the key its config names
// ({"key": "..."}), counting how often that value is closed.
type Probe struct {
	decodes atomic.Int64
	values  sync.Map // key → *probeValue
}

type probeValue struct{ closes atomic.Int32 }

func (v *probeValue) Close() error { v.closes.Add(1); return nil }

type probeConfig struct {
	Key string `json:"key"`
}

type probeHandler struct{}

func (probeHandler) Log(*plugin.Context) {}

// RegisterProbe registers a Probe plugin called name. Call it from an
// init function of a test, as plugin.Register.
func RegisterProbe(name string) *Probe {
	p := &Probe{}
	plugin.Register(plugin.New(plugin.Spec[probeConfig]{
		Name: name, Version: "1.0.0", Priority: 1,
		Defaults: func() *probeConfig { p.decodes.Add(1); return &probeConfig{} },
		New: func(c *probeConfig, env *plugin.Env) (plugin.Handler, error) {
			if c.Key != "" {
				env.Shared.Get(c.Key, p.Value(c.Key))
			}
			return probeHandler{}, nil
		},
	}))
	return p
}

// Decodes is how many configs of the plugin were decoded so far.
func (p *Probe) Decodes() int64 { return p.decodes.Load() }

// Value is the create function of the shared value of key, for a test that
// takes it outside a build (Registry.Shared().Get).
func (p *Probe) Value(key string) func() any {
	return func() any {
		v := &probeValue{}
		p.values.Store(key, v)
		return v
	}
}

// Closes reports how often the last shared value made for key was
// closed, and false when none was made.
func (p *Probe) Closes(key string) (int, bool) {
	v, ok := p.values.Load(key)
	if !ok {
		return 0, false
	}
	return int(v.(*probeValue).closes.Load()), true
}
