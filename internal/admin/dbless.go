package admin

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/goccy/go-yaml"

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
	doc, err := exportYAML(cfg)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"config": string(doc)}, nil
}

// exportYAML renders cfg in the flat declarative form. Passwords are
// already hashed, so the document says _transform: false, as Kong's does.
func exportYAML(cfg *entity.Config) ([]byte, error) {
	doc := yaml.MapSlice{{Key: "_format_version", Value: "3.0"}, {Key: "_transform", Value: false}}
	if cfg != nil {
		data, err := json.Marshal(cfg)
		if err != nil {
			return nil, err
		}
		var byKind map[string]any
		if err := json.Unmarshal(data, &byKind); err != nil {
			return nil, err
		}
		for _, k := range entity.Kinds {
			if v, ok := byKind[string(k)]; ok {
				doc = append(doc, yaml.MapItem{Key: string(k), Value: v})
			}
		}
	}
	return yaml.Marshal(doc)
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
	cfg, err := h.opts.ParseConfig(doc)
	if err != nil {
		return 0, nil, declarativeError(err, q.Get("flatten_errors") == "1")
	}
	if q.Get("check_hash") == "1" && h.opts.CurrentConfig != nil {
		if _, current := h.opts.CurrentConfig(); current != "" && current == cfg.Hash() {
			return http.StatusNotModified, nil, nil
		}
	}
	if err := h.opts.ApplyConfig(r.Context(), cfg); err != nil {
		return 0, nil, declarativeError(err, q.Get("flatten_errors") == "1")
	}
	return http.StatusCreated, cfg, nil
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

// fieldsError is implemented by loader errors that know, entity by entity,
// which fields are wrong (Kong's nested "fields" of code 14).
type fieldsError interface {
	error
	Fields() map[string]any
}

// flattenedError is implemented by loader errors that can list their
// failures one per entity (Kong's ?flatten_errors=1 form).
type flattenedError interface {
	error
	FlattenedErrors() []any
}

// declarativeError renders a loader or apply failure as Kong's code 14.
func declarativeError(err error, flatten bool) *apiError {
	ae := &apiError{Status: http.StatusBadRequest, Code: codeDeclarativeConfig,
		Message: "declarative config is invalid: " + err.Error(), Fields: map[string]any{}, Cause: err}
	var fe fieldsError
	var errs entity.Errors
	switch {
	case errors.As(err, &fe):
		ae.Fields = fe.Fields()
	case errors.As(err, &errs):
		ae.Fields = errs.Fields()
	}
	if flatten {
		flat := []any{}
		var fl flattenedError
		if errors.As(err, &fl) {
			flat = append(flat, fl.FlattenedErrors()...)
		}
		ae.Extra = map[string]any{"flattened_errors": flat}
	}
	return ae
}
