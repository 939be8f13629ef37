package declarative

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/goccy/go-yaml"

	"github.com/gantryhq/gantry/internal/entity"
)

// Marshal writes cfg as a declarative document in flat form with every id,
// as "yaml" or "json". It writes _transform: false, because passwords in a
// Config are already hashed, so Parse(Marshal(cfg)) gives back cfg.
func Marshal(cfg *entity.Config, format string) ([]byte, error) {
	doc, err := marshalJSON(cfg)
	if err != nil {
		return nil, err
	}
	switch format {
	case "json":
		return doc, nil
	case "yaml", "yml":
		n, perr := parseJSON(doc, &problems{})
		if perr != nil {
			return nil, fmt.Errorf("marshal declarative config: %s", perr.Message)
		}
		out, err := yaml.MarshalWithOptions(yamlValue(n), yaml.UseLiteralStyleIfMultiline(true), yaml.IndentSequence(true))
		if err != nil {
			return nil, fmt.Errorf("marshal declarative config as YAML: %w", err)
		}
		return out, nil
	}
	return nil, fmt.Errorf("marshal declarative config: unknown format %q (use \"yaml\" or \"json\")", format)
}

// marshalJSON writes the document as indented JSON, keys in a fixed order:
// the meta keys, then the kinds in dependency order.
func marshalJSON(cfg *entity.Config) ([]byte, error) {
	if cfg == nil {
		cfg = &entity.Config{}
	}
	var b bytes.Buffer
	b.WriteString("{\n  \"_format_version\": \"3.0\",\n  \"_transform\": false")
	for _, k := range entity.Kinds {
		list := cfg.OfKind(k)
		if len(list) == 0 {
			continue
		}
		if k == entity.KindCertificate {
			list = withoutSNIShorthand(cfg)
		}
		out, err := json.MarshalIndent(list, "  ", "  ")
		if err != nil {
			return nil, fmt.Errorf("marshal %s: %w", k, err)
		}
		fmt.Fprintf(&b, ",\n  %q: ", k)
		b.Write(out)
	}
	b.WriteString("\n}\n")
	return b.Bytes(), nil
}

// withoutSNIShorthand returns the certificates with the snis shorthand
// names that already exist as snis entities removed, so they are not
// declared twice.
func withoutSNIShorthand(cfg *entity.Config) []entity.Entity {
	declared := map[string]bool{}
	for _, s := range cfg.SNIs {
		if s != nil {
			declared[s.Name] = true
		}
	}
	out := make([]entity.Entity, len(cfg.Certificates))
	for i, c := range cfg.Certificates {
		if c == nil || len(c.SNIs) == 0 {
			out[i] = c
			continue
		}
		cp := *c
		cp.SNIs = nil
		for _, name := range c.SNIs {
			if !declared[name] {
				cp.SNIs = append(cp.SNIs, name)
			}
		}
		out[i] = &cp
	}
	return out
}

// yamlValue converts a node to values goccy/go-yaml writes in order.
func yamlValue(n *node) any {
	switch n.kind {
	case kindMap:
		m := make(yaml.MapSlice, len(n.fields))
		for i, f := range n.fields {
			m[i] = yaml.MapItem{Key: f.key, Value: yamlValue(f.val)}
		}
		return m
	case kindSeq:
		list := make([]any, len(n.items))
		for i, item := range n.items {
			list[i] = yamlValue(item)
		}
		return list
	}
	return n.value
}
