package admin

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/gantryhq/gantry/internal/declarative"
	"github.com/gantryhq/gantry/internal/entity"
)

func errNeedsDBLess() *apiError {
	return errBadRequest("this endpoint is only available when Gantry runs without a database (database = off)")
}

// getConfig answers GET /config on DB-less nodes: the running
// configuration as a declarative YAML document, {"config": "..."}.
func (h *handler) getConfig(*http.Request, params) (int, any, error) {
	if !h.dbless() {
		return 0, nil, errNeedsDBLess()
	}
	var cfg *entity.Config
	if h.opts.CurrentConfig != nil {
		cfg, _ = h.opts.CurrentConfig()
	}
	if cfg == nil {
		cfg = &entity.Config{}
	}
	doc, err := declarative.Marshal(cfg, "yaml")
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"config": string(doc)}, nil
}

// postConfig answers POST /config on DB-less nodes: parse, validate and
// apply a whole declarative configuration.
func (h *handler) postConfig(r *http.Request, _ params) (int, any, error) {
	if !h.dbless() {
		return 0, nil, errNeedsDBLess()
	}
	if h.opts.ApplyConfig == nil {
		return 0, nil, errBadRequest("this node cannot load a configuration through the Admin API")
	}
	data, err := readBody(r, h.opts.MaxBodySize)
	if err != nil {
		return 0, nil, err
	}
	doc, err := configDocument(r, data, h.opts.MaxBodySize)
	if err != nil {
		return 0, nil, err
	}
	q := r.URL.Query()
	v, err := h.opts.ParseConfig(doc)
	if err != nil {
		return 0, nil, declarativeError(err, q.Get("flatten_errors") == "1")
	}
	if q.Get("check_hash") == "1" && h.opts.CurrentConfig != nil {
		if _, current := h.opts.CurrentConfig(); current != "" && current == v.Hash() {
			return http.StatusNotModified, nil, nil
		}
	}
	if err := h.opts.ApplyConfig(r.Context(), v); err != nil {
		return 0, nil, declarativeError(err, q.Get("flatten_errors") == "1")
	}
	return http.StatusCreated, v.Config(), nil
}

// configDocument extracts the declarative document from a POST /config
// body: a form or JSON field "config", or the body itself (JSON or YAML).
func configDocument(r *http.Request, data []byte, limit int64) ([]byte, error) {
	mt, mp := mediaType(r)
	var vals url.Values
	switch mt {
	case "application/x-www-form-urlencoded":
		v, err := url.ParseQuery(string(data))
		if err != nil {
			return nil, errBadRequest("Cannot parse form body: %v", err)
		}
		vals = v
	case "multipart/form-data":
		v, err := parseMultipart(data, mp["boundary"], limit)
		if err != nil {
			return nil, err
		}
		vals = v
	default:
		var probe map[string]json.RawMessage
		if json.Unmarshal(data, &probe) == nil {
			var inner string
			if _, hasVersion := probe["_format_version"]; !hasVersion && json.Unmarshal(probe["config"], &inner) == nil {
				return []byte(inner), nil
			}
		}
		if len(strings.TrimSpace(string(data))) == 0 {
			return nil, errBadRequest("expected a declarative configuration")
		}
		return data, nil
	}
	if c := vals.Get("config"); c != "" {
		return []byte(c), nil
	}
	return nil, errBadRequest("expected a declarative configuration in the 'config' field")
}

// parseDeclarative is the default Options.ParseConfig: the declarative
// loader, checking plugins with the same function as the CRUD endpoints.
func parseDeclarative(validate func(*entity.Plugin) entity.Errors) func([]byte) (entity.Valid, error) {
	return func(data []byte) (entity.Valid, error) {
		return declarative.ParseValid(data, declarative.Options{ValidatePlugin: validate})
	}
}

// declarativeError renders a loader or apply failure as Kong's code 14:
// fields nested by document path ({"services[0]": {"host": "..."}}), and
// with flatten, one entry per failing entity as Kong's flattened_errors.
func declarativeError(err error, flatten bool) *apiError {
	ae := &apiError{Status: http.StatusBadRequest, Code: codeDeclarativeConfig,
		Message: "declarative config is invalid: " + err.Error(), Fields: map[string]any{}, Cause: err}
	var derr *declarative.Error
	var errs entity.Errors
	switch {
	case errors.As(err, &derr):
		var byPath entity.Errors
		for _, p := range derr.Problems {
			byPath = append(byPath, entity.FieldError{Field: p.Path, Message: p.Message})
		}
		ae.Fields = byPath.Fields()
	case errors.As(err, &errs):
		ae.Fields = errs.Fields()
	}
	if flatten {
		ae.Extra = map[string]any{"flattened_errors": flattened(derr)}
	}
	return ae
}

// flattened groups the problems that belong to an entity, one entry per
// entity, in Kong's flattened_errors shape.
func flattened(derr *declarative.Error) []any {
	out := []any{}
	if derr == nil {
		return out
	}
	type group struct {
		entry  map[string]any
		errors []any
	}
	var order []string
	groups := map[string]*group{}
	for _, p := range derr.Problems {
		if p.Kind == "" {
			continue // not about one entity: reported in fields only
		}
		key := string(p.Kind) + "\x00" + p.EntityID + "\x00" + p.EntityKey
		g, ok := groups[key]
		if !ok {
			g = &group{entry: map[string]any{"entity_type": strings.TrimSuffix(string(p.Kind), "s")}}
			if p.EntityID != "" {
				g.entry["entity_id"] = p.EntityID
			}
			if p.EntityKey != "" {
				g.entry["entity_name"] = p.EntityKey
			}
			groups[key] = g
			order = append(order, key)
		}
		if p.Field == "" {
			g.errors = append(g.errors, map[string]any{"type": "entity", "message": p.Message})
		} else {
			g.errors = append(g.errors, map[string]any{"type": "field", "field": p.Field, "message": p.Message})
		}
	}
	for _, key := range order {
		g := groups[key]
		g.entry["errors"] = g.errors
		out = append(out, g.entry)
	}
	return out
}
