package admin

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/store"
)

// build turns an input object into a validated entity of kind k: foreign
// references given by name are resolved to ids, the object is checked
// against the schema, decoded over k's defaults, normalized and validated.
// m is consumed.
func (h *handler) build(ctx context.Context, rd getter, k entity.Kind, m map[string]any) (entity.Entity, error) {
	if err := h.resolveRefs(ctx, rd, k, m); err != nil {
		return nil, err
	}
	rec := h.schemas[k]
	var errs entity.Errors
	checkRecord(&errs, "", rec, m)
	if len(errs) > 0 {
		return nil, errSchema(errs)
	}
	stripPathSet := m["strip_path"] != nil
	stripNulls(rec, m)
	normalizeNumbers(rec, m)
	data, err := json.Marshal(m)
	if err != nil {
		return nil, errSchema(entity.Errors{{Message: "invalid value: " + err.Error()}})
	}
	e := entity.New(k)
	if err := json.Unmarshal(data, e); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return nil, validationError(te.Field, "invalid value for this field")
		}
		return nil, errSchema(entity.Errors{{Message: "invalid value: " + err.Error()}})
	}
	autoFields(e)
	if r, ok := e.(*entity.Route); ok {
		r.ApplyProtocolDefaults(stripPathSet) // grpc routes default strip_path to false
	}
	entity.Normalize(e)
	errs = entity.Validate(e)
	if p, ok := e.(*entity.Plugin); ok && h.opts.ValidatePlugin != nil && len(errs) == 0 {
		errs = append(errs, h.opts.ValidatePlugin(p)...)
	}
	if len(errs) > 0 {
		return nil, errSchema(errs)
	}
	if err := checkListRefs(ctx, rd, e); err != nil {
		return nil, err
	}
	return e, nil
}

// checkListRefs rejects a service's ca_certificates that name no CA
// certificate: the stores check single references, not id lists.
func checkListRefs(ctx context.Context, rd getter, e entity.Entity) error {
	svc, ok := e.(*entity.Service)
	if !ok {
		return nil
	}
	for _, id := range svc.CACertificates {
		_, err := rd.Get(ctx, entity.KindCACertificate, id)
		if errors.Is(err, store.ErrNotFound) {
			return errForeignKey("ca_certificates", "id", id, err)
		}
		if err != nil {
			return fmt.Errorf("check ca_certificates %q: %w", id, err)
		}
	}
	return nil
}

// autoFields fills the fields Kong generates when they are left out: a
// key-auth key, a jwt key and secret.
func autoFields(e entity.Entity) {
	switch v := e.(type) {
	case *entity.KeyAuth:
		if strings.TrimSpace(v.Key) == "" {
			v.Key = randomString()
		}
	case *entity.JWT:
		if strings.TrimSpace(v.Key) == "" {
			v.Key = randomString()
		}
		if v.Secret == "" && strings.HasPrefix(v.Algorithm, "HS") {
			v.Secret = randomString()
		}
	}
}

// randomString is 32 hex characters of crypto randomness, like Kong's
// generated credentials.
func randomString() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// resolveRefs rewrites references given by endpoint key ({"name": "foo"}
// or {"id": "foo"}) to {"id": <uuid>}. References that are not objects are
// left for the schema check to report.
func (h *handler) resolveRefs(ctx context.Context, rd getter, k entity.Kind, m map[string]any) error {
	for name, v := range m {
		target, ok := refKind(k, name)
		if !ok {
			continue
		}
		ref, ok := v.(map[string]any)
		if !ok || len(ref) != 1 {
			continue
		}
		var key, value string
		for kk, vv := range ref {
			key = kk
			value, _ = vv.(string)
		}
		ti := h.kinds[target]
		if value == "" || (key == "id" && isUUID(value)) {
			continue
		}
		if key != "id" && (ti == nil || key != ti.KeyField) {
			continue // unknown member: the schema check names it
		}
		if ti == nil || ti.idOnly() {
			return errForeignKey(name, key, value, nil)
		}
		found, err := rd.Get(ctx, target, value)
		if errors.Is(err, store.ErrNotFound) {
			return errForeignKey(name, key, value, err)
		}
		if err != nil {
			return fmt.Errorf("resolve %s %q: %w", name, value, err)
		}
		m[name] = map[string]any{"id": found.GetID()}
	}
	return nil
}

// toMap renders a stored entity as a JSON object, numbers kept exact, for
// PATCH to merge the request over.
func toMap(e entity.Entity) (map[string]any, error) {
	data, err := json.Marshal(e)
	if err != nil {
		return nil, fmt.Errorf("render %s: %w", e.EntityKind(), err)
	}
	return jsonObjectOf(data)
}

func jsonObjectOf(data []byte) (map[string]any, error) {
	m, err := jsonObject(data)
	if err != nil {
		return nil, fmt.Errorf("re-read stored entity: %w", err)
	}
	return m, nil
}

// mergePatch applies patch over dst with RFC 7386 semantics: records (and
// plugin config) merge member by member, null removes a member, anything
// else replaces. References and maps (route headers) are replaced whole.
func mergePatch(rec *field, dst, patch map[string]any) {
	for k, pv := range patch {
		if pv == nil {
			delete(dst, k)
			continue
		}
		var f *field
		if rec != nil {
			f = rec.byName[k]
		}
		pm, pIsObj := pv.(map[string]any)
		dm, dIsObj := dst[k].(map[string]any)
		if pIsObj && dIsObj && (f == nil || f.Type == "record" || f.Type == "any") {
			var sub *field
			if f != nil && f.Type == "record" {
				sub = f
			}
			mergePatch(sub, dm, pm)
			continue
		}
		dst[k] = pv
	}
}
