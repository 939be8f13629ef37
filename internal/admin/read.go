package admin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/store"
)

// Page sizes, as Kong's.
const (
	defaultPageSize = 100
	maxPageSize     = 1000
)

// listOptions reads size, offset and tags from the query string.
func listOptions(q url.Values) (store.ListOptions, error) {
	opts := store.ListOptions{Size: defaultPageSize, Offset: q.Get("offset")}
	if s := q.Get("size"); s != "" {
		n, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return opts, &apiError{Status: http.StatusBadRequest, Code: codeInvalidSize, Message: "size must be a number"}
		}
		if n != float64(int(n)) || n < 1 || n > maxPageSize {
			return opts, &apiError{Status: http.StatusBadRequest, Code: codeInvalidSize,
				Message: fmt.Sprintf("size must be an integer between 1 and %d", maxPageSize)}
		}
		opts.Size = int(n)
	}
	if t := q.Get("tags"); t != "" {
		and, or := strings.Contains(t, ","), strings.Contains(t, "/")
		sep := ","
		if or {
			sep = "/"
		}
		tags := strings.Split(t, sep)
		bad := and && or
		for _, tag := range tags {
			bad = bad || tag == ""
		}
		if bad {
			return opts, &apiError{Status: http.StatusBadRequest, Code: codeInvalidOptions,
				Message: "invalid option (tags: invalid filter syntax: use a,b for all of the tags or a/b for any of them)",
				Fields:  map[string]any{"tags": "invalid filter syntax"}}
		}
		opts.Tags, opts.TagsOr = tags, or
	}
	return opts, nil
}

// list answers a collection GET, restricted to fk when nested.
func (h *handler) list(r *http.Request, ki *kindInfo, fk *store.ForeignKey) (int, any, error) {
	// Strictly: r.URL.Query() silently drops a malformed pair, and a
	// dropped tags filter would list everything.
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return 0, nil, &apiError{Status: http.StatusBadRequest, Code: codeInvalidOptions,
			Message: fmt.Sprintf("invalid query string: %v (percent-encode ';' as %%3B)", err)}
	}
	opts, err := listOptions(q)
	if err != nil {
		return 0, nil, err
	}
	opts.ForeignKey = fk
	page, err := h.reader().List(r.Context(), ki.Kind, opts)
	if err != nil {
		return 0, nil, err
	}
	data := page.Items
	if data == nil {
		data = []entity.Entity{}
	}
	body := map[string]any{"data": data, "next": nil}
	if page.Next != "" {
		next := url.Values{"offset": {page.Next}}
		for _, k := range []string{"size", "tags"} {
			if v := q.Get(k); v != "" {
				next.Set(k, v)
			}
		}
		body["offset"] = page.Next
		body["next"] = r.URL.EscapedPath() + "?" + next.Encode()
	}
	return http.StatusOK, body, nil
}

// find returns the entity of ki that the path segment seg names (an id, or
// the endpoint key), and when fk is set only if it belongs to that parent.
func (h *handler) find(ctx context.Context, rd reader, ki *kindInfo, seg string, fk *store.ForeignKey) (entity.Entity, error) {
	var e entity.Entity
	var err error
	switch {
	case isUUID(seg):
		e, err = rd.Get(ctx, ki.Kind, seg)
	case ki.Kind == entity.KindCertificate:
		sni, serr := rd.Get(ctx, entity.KindSNI, seg)
		if errors.Is(serr, store.ErrNotFound) {
			return nil, &apiError{Status: http.StatusNotFound, Message: "SNI not found"}
		}
		if serr != nil {
			return nil, serr
		}
		e, err = rd.Get(ctx, entity.KindCertificate, entity.RefID(sni.(*entity.SNI).Certificate))
	case ki.ScopedKey && fk != nil:
		e, err = h.findScoped(ctx, rd, ki, seg, fk)
	case ki.idOnly():
		return nil, errInvalidPK(seg)
	default:
		e, err = rd.Get(ctx, ki.Kind, seg)
	}
	if err != nil {
		return nil, err
	}
	if fk != nil {
		ref := entity.RefField(e, fk.Field)
		if ref == nil || entity.RefID(*ref) != fk.ID {
			return nil, errNotFound()
		}
	}
	return e, nil
}

// findScoped finds a target or ACL by its key among the parent's children.
func (h *handler) findScoped(ctx context.Context, rd reader, ki *kindInfo, key string, fk *store.ForeignKey) (entity.Entity, error) {
	opts := store.ListOptions{Size: maxPageSize, ForeignKey: fk}
	for {
		page, err := rd.List(ctx, ki.Kind, opts)
		if err != nil {
			return nil, err
		}
		for _, e := range page.Items {
			switch v := e.(type) {
			case *entity.Target:
				if v.Target == key || v.Target == key+":8000" {
					return e, nil
				}
			case *entity.ACL:
				if v.Group == key {
					return e, nil
				}
			}
		}
		if page.Next == "" {
			return nil, store.ErrNotFound
		}
		opts.Offset = page.Next
	}
}

func errInvalidPK(seg string) *apiError {
	return &apiError{Status: http.StatusBadRequest, Code: codeInvalidPrimaryKey,
		Message: fmt.Sprintf("invalid primary key: '{id=%q}'", seg),
		Fields:  map[string]any{"id": "expected a valid UUID"}}
}

// get answers an entity GET.
func (h *handler) get(r *http.Request, ki *kindInfo, seg string, fk *store.ForeignKey) (int, any, error) {
	e, err := h.find(r.Context(), h.reader(), ki, seg, fk)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, e, nil
}
