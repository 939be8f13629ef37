package admin

import (
	"net/http"

	"github.com/google/uuid"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/store"
)

// entityOp is one of list/create (collection) or get/put/patch/remove
// (entity); seg is "" for collections.
type entityOp func(r *http.Request, ki *kindInfo, seg string, fk *store.ForeignKey) (int, any, error)

// routes registers every endpoint, generated from kindTable the way Kong
// generates its endpoints from schemas.
func (h *handler) routes() {
	rt := h.rt
	rt.handle(http.MethodGet, "/", h.root)
	rt.handle(http.MethodGet, "/status", h.status)
	rt.handle(http.MethodGet, "/plugins/enabled", h.pluginsEnabled)
	rt.handle(http.MethodGet, "/schemas/{name}", h.schema)
	rt.handle(http.MethodPost, "/schemas/{name}/validate", h.validateSchema)
	rt.handle(http.MethodGet, "/schemas/plugins/{name}", h.pluginSchema)
	rt.handle(http.MethodPost, "/schemas/plugins/validate", h.validatePlugin)
	rt.handle(http.MethodGet, "/clustering/data-planes", h.dataPlanes)
	rt.handle(http.MethodGet, "/clustering/status", h.clusteringStatus)
	rt.deprecate(http.MethodGet, "/clustering/status", "/clustering/data-planes")
	rt.handle(http.MethodGet, "/config", h.getConfig)
	rt.handle(http.MethodPost, "/config", h.postConfig)
	h.healthRoutes()

	list := func(r *http.Request, ki *kindInfo, _ string, fk *store.ForeignKey) (int, any, error) {
		return h.list(r, ki, fk)
	}
	create := func(r *http.Request, ki *kindInfo, _ string, fk *store.ForeignKey) (int, any, error) {
		return h.create(r, ki, fk)
	}
	entityOps := map[string]entityOp{
		http.MethodGet: h.get, http.MethodPut: h.put, http.MethodPatch: h.patch, http.MethodDelete: h.remove,
	}
	for i := range kindTable {
		ki := &kindTable[i]
		if ki.Path != "" {
			rt.handle(http.MethodGet, "/"+ki.Path, h.top(ki, list))
			rt.handle(http.MethodPost, "/"+ki.Path, h.top(ki, create))
			for m, op := range entityOps {
				rt.handle(m, "/"+ki.Path+"/{id}", h.top(ki, op))
			}
		}
		for _, f := range ki.Foreign {
			parent := h.kinds[f.Kind]
			base := "/" + parent.Path + "/{pid}/" + ki.Nested
			rt.handle(http.MethodGet, base, h.nested(ki, parent, f.Field, list))
			if ki.Kind == entity.KindTarget {
				// Kong's history listing; targets have no history here.
				rt.handle(http.MethodGet, base+"/all", h.nested(ki, parent, f.Field, list))
			}
			rt.handle(http.MethodPost, base, h.nested(ki, parent, f.Field, create))
			for m, op := range entityOps {
				rt.handle(m, base+"/{id}", h.nested(ki, parent, f.Field, op))
			}
			if ki.Path != "" {
				rt.handle(http.MethodGet, "/"+ki.Path+"/{id}/"+f.Field, h.parentOf(ki, f, h.get))
				rt.handle(http.MethodPatch, "/"+ki.Path+"/{id}/"+f.Field, h.parentOf(ki, f, h.patch))
				rt.handle(http.MethodPut, "/"+ki.Path+"/{id}/"+f.Field, h.putParent(ki, f))
				rt.handle(http.MethodDelete, "/"+ki.Path+"/{id}/"+f.Field, h.parentOf(ki, f, h.deleteParent))
			}
		}
	}
}

// top serves /{kind} and /{kind}/{id}.
func (h *handler) top(ki *kindInfo, op entityOp) handlerFunc {
	return func(r *http.Request, p params) (int, any, error) {
		return op(r, ki, p["id"], nil)
	}
}

// nested serves /{parent}/{pid}/{kind}[/{id}]: the parent must exist, and
// the operation is restricted to its children.
func (h *handler) nested(ki, parent *kindInfo, fkField string, op entityOp) handlerFunc {
	return func(r *http.Request, p params) (int, any, error) {
		pe, err := h.find(r.Context(), h.reader(), parent, p["pid"], nil)
		if err != nil {
			return 0, nil, asNotFound(err)
		}
		return op(r, ki, p["id"], &store.ForeignKey{Field: fkField, ID: pe.GetID()})
	}
}

// parentOf serves /{kind}/{id}/{field} (for example /routes/{r}/service):
// op runs on the entity the child refers to.
func (h *handler) parentOf(ki *kindInfo, f foreignField, op entityOp) handlerFunc {
	return func(r *http.Request, p params) (int, any, error) {
		child, err := h.find(r.Context(), h.reader(), ki, p["id"], nil)
		if err != nil {
			return 0, nil, asNotFound(err)
		}
		ref := entity.RefField(child, f.Field)
		if ref == nil || *ref == nil || (*ref).ID == "" {
			return 0, nil, errNotFound()
		}
		return op(r, h.kinds[f.Kind], (*ref).ID, nil)
	}
}

// deleteParent refuses DELETE /routes/{r}/service, as Kong does: delete
// the service itself.
func (h *handler) deleteParent(*http.Request, *kindInfo, string, *store.ForeignKey) (int, any, error) {
	return 0, nil, &apiError{Status: http.StatusMethodNotAllowed, Message: "Method not allowed"}
}

// putParent serves PUT /routes/{r}/service: it replaces the service the
// route uses, or creates one and attaches the route to it.
func (h *handler) putParent(ki *kindInfo, f foreignField) handlerFunc {
	return func(r *http.Request, p params) (int, any, error) {
		if h.dbless() {
			return 0, nil, errDBLess("create or update", f.Kind)
		}
		child, err := h.find(r.Context(), h.opts.Store, ki, p["id"], nil)
		if err != nil {
			return 0, nil, asNotFound(err)
		}
		ref := entity.RefField(child, f.Field)
		if ref == nil {
			return 0, nil, errNotFound()
		}
		if *ref != nil && (*ref).ID != "" {
			return h.put(r, h.kinds[f.Kind], (*ref).ID, nil)
		}
		status, body, err := h.put(r, h.kinds[f.Kind], uuid.NewString(), nil)
		if err != nil {
			return 0, nil, err
		}
		*ref = &entity.Ref{ID: body.(entity.Entity).GetID()}
		if err := h.opts.Store.Update(r.Context(), child); err != nil {
			return 0, nil, err
		}
		return status, body, nil
	}
}

// asNotFound hides why a parent lookup failed behind Kong's 404, except
// for errors that are not about the input (a database outage).
func asNotFound(err error) error {
	ae := fromError(err)
	if ae.Status == http.StatusBadRequest || ae.Status == http.StatusNotFound {
		return errNotFound()
	}
	return err
}
