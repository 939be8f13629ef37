package plugin

import (
	"encoding/json"
	"fmt"
	"github.com/gantryhq/gantry/internal/spell"
	"maps"
	"slices"
	"strings"

	"github.com/gantryhq/gantry/internal/entity"
)

// Validate checks a plugin entity against the plugin it names: the name is
// known to r, the scope is one the plugin allows, the protocols are ones it
// supports, and the config decodes and passes the plugin's checks. The
// control plane (at write time) and the data plane (at apply time) call
// it, so both accept exactly the same configs. Field names are Kong's:
// "name", "consumer", "protocols[2]", "config.minute".
func (r *Registry) Validate(p *entity.Plugin) entity.Errors {
	_, errs := r.decodeConfig(p)
	return errs
}

// Normalize validates p like Validate and, when it is valid, replaces
// p.Config with the full config: every field present, defaults filled in.
// That is what the Admin API returns and what gets stored, as in Kong. The
// typed config is kept until the chains of p are built, so a config the
// loader or the cluster codec normalized is not decoded again.
func (r *Registry) Normalize(p *entity.Plugin) entity.Errors {
	cfg, errs := r.decodeConfig(p)
	if errs != nil {
		return errs
	}
	m, err := configMap(cfg)
	if err != nil {
		return entity.Errors{{Field: "config", Message: err.Error()}}
	}
	p.Config = m
	r.decoded.put(p, r.plugins[p.Name], cfg)
	return nil
}

// decodeConfig validates p and returns its typed config (a *C of the
// plugin's Spec) when there is no error.
func (r *Registry) decodeConfig(p *entity.Plugin) (any, entity.Errors) {
	pl, errs := r.checkEntity(p)
	if pl == nil {
		return nil, errs
	}
	return decodeWith(pl, p, errs)
}

// builtConfig is decodeConfig for BuildChains: it takes the typed config
// Normalize kept for p when there is one.
func (r *Registry) builtConfig(p *entity.Plugin) (any, entity.Errors) {
	pl, errs := r.checkEntity(p)
	if pl == nil {
		return nil, errs
	}
	if errs == nil {
		if cfg, ok := r.decoded.take(p, pl); ok {
			return cfg, nil
		}
	}
	return decodeWith(pl, p, errs)
}

// checkEntity checks what p asks of its plugin besides the config: that r
// loads it (nil otherwise), its scope and its protocols.
func (r *Registry) checkEntity(p *entity.Plugin) (*Plugin, entity.Errors) {
	var errs entity.Errors
	pl, ok := r.plugins[p.Name]
	if !ok {
		if p.Name == "" {
			errs.Add("name", "required field missing")
		} else {
			msg := fmt.Sprintf("plugin '%s' not enabled; add it to the 'plugins' configuration property", p.Name)
			if best := spell.Closest(p.Name, r.Names()); best != "" {
				msg += fmt.Sprintf(" (did you mean '%s'?)", best)
			}
			errs.Add("name", msg)
		}
		return nil, errs
	}
	if pl.noConsumer && entity.RefID(p.Consumer) != "" {
		errs.Add("consumer", "value must be null")
	}
	for i, proto := range p.Protocols {
		if !slices.Contains(pl.protocols, proto) {
			errs.Add(fmt.Sprintf("protocols[%d]", i+1), "expected one of: "+strings.Join(pl.protocols, ", "))
		}
	}
	return pl, errs
}

// decodeWith decodes p.Config into pl's config struct and runs its checks,
// after the errors checkEntity found.
func decodeWith(pl *Plugin, p *entity.Plugin, errs entity.Errors) (any, entity.Errors) {
	cfg := pl.newConfig()
	input := p.Config
	if sh, ok := cfg.(ShorthandFields); ok {
		input = expandShorthands(input, sh.Shorthands())
	}
	errs = append(errs, decode(cfg, input, "config")...)
	if len(errs) > 0 {
		return nil, errs
	}
	if v, ok := cfg.(ConfigValidator); ok {
		for _, fe := range v.Validate() {
			field := "config"
			if fe.Field != "" {
				field += "." + fe.Field
			}
			errs.Add(field, fe.Message)
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return cfg, nil
}

// configMap renders a typed config as the generic map entities carry.
func configMap(cfg any) (map[string]any, error) {
	b, err := json.Marshal(cfg)
	if err != nil {
		return nil, fmt.Errorf("render plugin config: %w", err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("render plugin config: %w", err)
	}
	return m, nil
}

// expandShorthands returns config with aliases moved to the fields they
// stand for; a value already set at the target wins. config is not changed.
func expandShorthands(config map[string]any, aliases map[string]string) map[string]any {
	out := config
	copied := false
	for alias, target := range aliases {
		v, ok := config[alias]
		if !ok {
			continue
		}
		if !copied {
			out = maps.Clone(config)
			copied = true
		}
		delete(out, alias)
		if v == nil {
			continue
		}
		parts := strings.Split(target, ".")
		m := out
		for _, k := range parts[:len(parts)-1] {
			next, ok := m[k].(map[string]any)
			if !ok {
				next = map[string]any{}
			} else {
				next = maps.Clone(next)
			}
			m[k] = next
			m = next
		}
		if _, set := m[parts[len(parts)-1]]; !set {
			m[parts[len(parts)-1]] = v
		}
	}
	return out
}
