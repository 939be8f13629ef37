package admin

import "github.com/gantryhq/gantry/internal/entity"

// fieldFromKong reads a field out of a Kong-style schema description (the
// form GET /schemas/plugins/{name} answers with), so form values in plugin
// config can be typed by the plugin's own schema.
func fieldFromKong(name string, def map[string]any) *field {
	f := &field{Name: name}
	f.Type, _ = def["type"].(string)
	switch f.Type {
	case "record":
		f.byName = map[string]*field{}
		list, _ := def["fields"].([]any)
		for _, item := range list {
			m, _ := item.(map[string]any)
			for childName, childDef := range m {
				cd, _ := childDef.(map[string]any)
				child := fieldFromKong(childName, cd)
				f.Fields = append(f.Fields, child)
				f.byName[childName] = child
			}
		}
	case "array", "set":
		f.Type = "array"
		el, _ := def["elements"].(map[string]any)
		f.Elem = fieldFromKong("", el)
	case "map":
		vals, _ := def["values"].(map[string]any)
		f.Elem = fieldFromKong("", vals)
	case "string", "integer", "number", "boolean":
	default:
		f.Type = "any"
	}
	return f
}

// pluginRecord returns the plugin entity's schema with config typed by the
// plugin's own schema, or the generic one when that is unknown.
func (h *handler) pluginRecord(name string) *field {
	base := h.schemas[entity.KindPlugin]
	if h.opts.PluginSchema == nil || name == "" {
		return base
	}
	s, ok := h.opts.PluginSchema(name)
	if !ok {
		return base
	}
	var config *field
	list, _ := s["fields"].([]any)
	for _, item := range list {
		if m, ok := item.(map[string]any); ok {
			if def, ok := m["config"].(map[string]any); ok {
				config = fieldFromKong("config", def)
			}
		}
	}
	if config == nil || config.Type != "record" {
		return base
	}
	// The config keeps Type "any" for the checks (the plugin validates it)
	// but carries the record's fields for form inference.
	config.Type, config.Name = "any", "config"
	rec := &field{Name: base.Name, Type: base.Type, byName: map[string]*field{}}
	for _, f := range base.Fields {
		if f.Name == "config" {
			f = config
		}
		rec.Fields = append(rec.Fields, f)
		rec.byName[f.Name] = f
	}
	return rec
}

// recFor returns the function decodeBody types form values with: the
// kind's record, and for plugins the record of the plugin the form names
// (or fallback, the stored plugin's name on PATCH).
func (h *handler) recFor(ki *kindInfo, fallback string) func(string) *field {
	return func(name string) *field {
		if ki.Kind != entity.KindPlugin {
			return h.schemas[ki.Kind]
		}
		if name == "" {
			name = fallback
		}
		return h.pluginRecord(name)
	}
}
