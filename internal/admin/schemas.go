package admin

import (
	"net/http"

	"github.com/gantryhq/gantry/internal/entity"
)

// kindByName accepts a kind by its Kong DAO name (keyauth_credentials) or
// its Admin API collection name (key-auths).
func (h *handler) kindByName(name string) *kindInfo {
	for i := range kindTable {
		ki := &kindTable[i]
		if string(ki.Kind) == name || ki.Path == name {
			return ki
		}
	}
	return nil
}

// schema answers GET /schemas/{entity}.
func (h *handler) schema(_ *http.Request, p params) (int, any, error) {
	ki := h.kindByName(p["name"])
	if ki == nil {
		return 0, nil, &apiError{Status: http.StatusNotFound, Message: "No entity named '" + p["name"] + "'"}
	}
	key := ki.KeyField
	if ki.ScopedKey {
		key = ""
	}
	return http.StatusOK, describe(ki.Kind, h.schemas[ki.Kind], key), nil
}

// validateSchema answers POST /schemas/{entity}/validate: the body is
// checked as a new entity would be, references by name included, without
// storing anything.
func (h *handler) validateSchema(r *http.Request, p params) (int, any, error) {
	ki := h.kindByName(p["name"])
	if ki == nil {
		return 0, nil, &apiError{Status: http.StatusNotFound, Message: "No entity named '" + p["name"] + "'"}
	}
	body, err := decodeBody(r, h.recFor(ki, ""), h.opts.MaxBodySize)
	if err != nil {
		return 0, nil, err
	}
	if _, err := h.build(r.Context(), h.reader(), ki.Kind, body); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"message": "schema validation successful"}, nil
}

// pluginSchema answers GET /schemas/plugins/{name}.
func (h *handler) pluginSchema(_ *http.Request, p params) (int, any, error) {
	if h.opts.PluginSchema != nil {
		if s, ok := h.opts.PluginSchema(p["name"]); ok {
			return http.StatusOK, s, nil
		}
	}
	return 0, nil, &apiError{Status: http.StatusNotFound, Message: "No plugin named '" + p["name"] + "'"}
}

// validatePlugin answers POST /schemas/plugins/validate.
func (h *handler) validatePlugin(r *http.Request, _ params) (int, any, error) {
	return h.validateSchema(r, params{"name": string(entity.KindPlugin)})
}
