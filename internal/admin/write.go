package admin

import (
	"errors"
	"net/http"

	"github.com/google/uuid"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/store"
)

// create answers POST on a collection; fk, when nested, is forced into
// the new entity.
func (h *handler) create(r *http.Request, ki *kindInfo, fk *store.ForeignKey) (int, any, error) {
	if h.dbless() {
		return 0, nil, errDBLess("create", ki.Kind)
	}
	body, err := decodeBody(r, h.recFor(ki, ""), h.opts.MaxBodySize)
	if err != nil {
		return 0, nil, err
	}
	if fk != nil {
		body[fk.Field] = map[string]any{"id": fk.ID}
	}
	_, hasPassword := body["password"]
	e, err := h.build(r.Context(), h.opts.Store, ki.Kind, body)
	if err != nil {
		return 0, nil, err
	}
	hashPassword(e, hasPassword)
	if err := h.opts.Store.Insert(r.Context(), e); err != nil {
		return 0, nil, h.snisTaken(r.Context(), ki.Kind, err)
	}
	return http.StatusCreated, e, nil
}

// put answers PUT on an entity: it creates or replaces the entity that seg
// names. A non-UUID seg is the endpoint key and is written into the entity
// (PUT /services/foo creates a service named foo).
func (h *handler) put(r *http.Request, ki *kindInfo, seg string, fk *store.ForeignKey) (int, any, error) {
	if h.dbless() {
		return 0, nil, errDBLess("create or update", ki.Kind)
	}
	ctx, st := r.Context(), h.opts.Store
	body, err := decodeBody(r, h.recFor(ki, ""), h.opts.MaxBodySize)
	if err != nil {
		return 0, nil, err
	}
	var scope *store.ForeignKey
	if ki.ScopedKey {
		scope = fk // a target's key means something only under its upstream
	}
	existing, err := h.find(ctx, st, ki, seg, scope)
	var ae *apiError
	switch {
	case err == nil:
	case errors.Is(err, store.ErrNotFound), errors.As(err, &ae) && ae.Status == http.StatusNotFound:
		existing = nil
	default:
		return 0, nil, err
	}
	id := seg
	switch {
	case existing != nil:
		id = existing.GetID()
	case !isUUID(seg):
		id = uuid.NewString()
	}
	if !isUUID(seg) {
		putKey(ki, body, seg)
	}
	body["id"] = id
	if existing != nil {
		if _, ok := body["created_at"]; !ok {
			body["created_at"] = createdAt(existing)
		}
	}
	if fk != nil {
		body[fk.Field] = map[string]any{"id": fk.ID}
	}
	_, hasPassword := body["password"]
	e, err := h.build(ctx, st, ki.Kind, body)
	if err != nil {
		return 0, nil, err
	}
	hashPassword(e, hasPassword)
	if _, err := st.Upsert(ctx, e); err != nil {
		return 0, nil, h.snisTaken(ctx, ki.Kind, err)
	}
	return http.StatusOK, e, nil
}

// putKey writes the path's endpoint key into a PUT body. For certificates
// the key is an SNI name, added to the certificate's snis.
func putKey(ki *kindInfo, body map[string]any, seg string) {
	if ki.Kind != entity.KindCertificate {
		if ki.KeyField != "" {
			body[ki.KeyField] = seg
		}
		return
	}
	snis, _ := body["snis"].([]any)
	for _, s := range snis {
		if s == seg {
			return
		}
	}
	body["snis"] = append(snis, seg)
}

func createdAt(e entity.Entity) any {
	m, err := toMap(e)
	if err != nil {
		return nil
	}
	return m["created_at"]
}

// patch answers PATCH: the body is merged over the stored entity (JSON
// merge patch), and the result is validated as a whole.
func (h *handler) patch(r *http.Request, ki *kindInfo, seg string, fk *store.ForeignKey) (int, any, error) {
	if h.dbless() {
		return 0, nil, errDBLess("update", ki.Kind)
	}
	ctx, st := r.Context(), h.opts.Store
	existing, err := h.find(ctx, st, ki, seg, fk)
	if err != nil {
		return 0, nil, err
	}
	var name string
	if p, ok := existing.(*entity.Plugin); ok {
		name = p.Name
	}
	body, err := decodeBody(r, h.recFor(ki, name), h.opts.MaxBodySize)
	if err != nil {
		return 0, nil, err
	}
	e, err := h.patchEntity(r, existing, body)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, e, nil
}

// patchEntity merges body over existing, validates and stores the result.
// With a store.Modifier the merge happens inside the write transaction,
// over the latest committed version, so concurrent PATCHes of different
// fields do not revert each other.
func (h *handler) patchEntity(r *http.Request, existing entity.Entity, body map[string]any) (entity.Entity, error) {
	ctx, k := r.Context(), existing.EntityKind()
	_, hasPassword := body["password"]
	apply := func(cur entity.Entity, rd getter) (entity.Entity, error) {
		merged, err := toMap(cur)
		if err != nil {
			return nil, err
		}
		mergePatch(h.schemas[k], merged, body)
		merged["id"] = cur.GetID()
		e, err := h.build(ctx, rd, k, merged)
		if err != nil {
			return nil, err
		}
		hashPassword(e, hasPassword)
		return e, nil
	}
	if m, ok := h.opts.Store.(store.Modifier); ok {
		e, err := m.Modify(ctx, k, existing.GetID(), func(cur entity.Entity, tx store.Getter) (entity.Entity, error) {
			return apply(cur, tx)
		})
		if err != nil {
			return nil, h.snisTaken(ctx, k, err)
		}
		return e, nil
	}
	e, err := apply(existing, h.opts.Store)
	if err != nil {
		return nil, err
	}
	if err := h.opts.Store.Update(ctx, e); err != nil {
		return nil, h.snisTaken(ctx, k, err)
	}
	return e, nil
}

// hashPassword stores a basic-auth password the way Kong does, but only a
// password that came in this request: a stored one is already hashed.
func hashPassword(e entity.Entity, fromRequest bool) {
	if b, ok := e.(*entity.BasicAuth); ok && fromRequest {
		b.Password = entity.HashBasicAuthPassword(entity.RefID(b.Consumer), b.Password)
	}
}

// remove answers DELETE. Deleting what does not exist succeeds (204), as
// with Kong; under a parent, a child of another parent is 404.
func (h *handler) remove(r *http.Request, ki *kindInfo, seg string, fk *store.ForeignKey) (int, any, error) {
	if h.dbless() {
		return 0, nil, errDBLess("remove", ki.Kind)
	}
	ctx, st := r.Context(), h.opts.Store
	existing, err := h.find(ctx, st, ki, seg, fk)
	if errors.Is(err, store.ErrNotFound) && fk == nil {
		return http.StatusNoContent, nil, nil
	}
	if err != nil {
		return 0, nil, err
	}
	if err := st.Delete(ctx, ki.Kind, existing.GetID()); err != nil && !errors.Is(err, store.ErrNotFound) {
		return 0, nil, err
	}
	return http.StatusNoContent, nil, nil
}
