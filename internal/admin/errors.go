package admin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/store"
)

// Kong's error codes (kong/db/errors.lua), kept so Kong's clients can
// branch on them.
const (
	codeInvalidPrimaryKey    = 1
	codeSchemaViolation      = 2
	codeForeignKeyViolation  = 4
	codeUniqueViolation      = 5
	codeNotFound             = 6
	codeInvalidOffset        = 7
	codeDatabaseError        = 8
	codeInvalidSize          = 9
	codeInvalidOptions       = 11
	codeOperationUnsupported = 12
	codeDeclarativeConfig    = 14
)

var codeNames = map[int]string{
	codeInvalidPrimaryKey:    "invalid primary key",
	codeSchemaViolation:      "schema violation",
	codeForeignKeyViolation:  "foreign key violation",
	codeUniqueViolation:      "unique constraint violation",
	codeNotFound:             "not found",
	codeInvalidOffset:        "invalid offset",
	codeDatabaseError:        "database error",
	codeInvalidSize:          "invalid size",
	codeInvalidOptions:       "invalid options",
	codeOperationUnsupported: "operation unsupported",
	codeDeclarativeConfig:    "invalid declarative configuration",
}

// apiError is the one error type handlers return for answers other than
// 2xx. The renderer writes Status with {code, name, message, fields}; Cause
// is logged for 5xx answers and never shown to the client.
type apiError struct {
	Status  int
	Code    int // 0: the body is {"message": ...} only
	Message string
	Fields  map[string]any
	// Extra holds additional top-level body members (flattened_errors).
	Extra map[string]any
	Cause error
}

func (e *apiError) Error() string {
	if e.Cause != nil {
		return e.Message + ": " + e.Cause.Error()
	}
	return e.Message
}

func (e *apiError) Unwrap() error { return e.Cause }

// body renders e in Kong's shape.
func (e *apiError) body() map[string]any {
	b := map[string]any{"message": e.Message}
	if e.Code != 0 {
		b["code"] = e.Code
		b["name"] = codeNames[e.Code]
	}
	if e.Fields != nil {
		b["fields"] = e.Fields
	}
	for k, v := range e.Extra {
		b[k] = v
	}
	return b
}

func errNotFound() *apiError { return &apiError{Status: http.StatusNotFound, Message: "Not found"} }

func errBadRequest(format string, args ...any) *apiError {
	return &apiError{Status: http.StatusBadRequest, Message: fmt.Sprintf(format, args...)}
}

// errSchema is a schema violation; its message lists every failure the way
// Kong does ("2 schema violations (host: required field missing; ...)").
func errSchema(errs entity.Errors) *apiError {
	msg := "schema violation (" + errs.Error() + ")"
	if len(errs) > 1 {
		msg = fmt.Sprintf("%d schema violations (%s)", len(errs), errs.Error())
	}
	return &apiError{Status: http.StatusBadRequest, Code: codeSchemaViolation, Message: msg, Fields: errs.Fields()}
}

// fromError maps anything a handler or the store returned to an apiError.
func fromError(err error) *apiError {
	var ae *apiError
	var errs entity.Errors
	var uniq *store.UniqueError
	var fk *store.ForeignKeyError
	var ref *store.ReferencedError
	switch {
	case errors.As(err, &ae):
		return ae
	case errors.As(err, &errs):
		return errSchema(errs)
	case errors.As(err, &uniq):
		return &apiError{Status: http.StatusConflict, Code: codeUniqueViolation, Message: uniq.Error(),
			Fields: map[string]any{uniq.Field: uniq.Value}, Cause: err}
	case errors.As(err, &fk):
		return errForeignKey(fk.Field, "id", fk.ID, err)
	case errors.As(err, &ref):
		return &apiError{Status: http.StatusBadRequest, Code: codeForeignKeyViolation,
			Message: fmt.Sprintf("an existing '%s' entity references this '%s' entity", ref.By, ref.Kind),
			Fields:  map[string]any{"@referenced_by": string(ref.By)}, Cause: err}
	case errors.Is(err, store.ErrInvalidOffset):
		return &apiError{Status: http.StatusBadRequest, Code: codeInvalidOffset,
			Message: "invalid offset: use the offset (or next link) of a previous page, or start again without one", Cause: err}
	case errors.Is(err, store.ErrNotFound):
		return errNotFound()
	case errors.Is(err, store.ErrUnavailable):
		return &apiError{Status: http.StatusServiceUnavailable, Code: codeDatabaseError,
			Message: "the database is unavailable; check that it is running and reachable, then retry", Cause: err}
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return &apiError{Status: http.StatusServiceUnavailable, Message: "the request was cancelled or timed out before it completed", Cause: err}
	}
	return &apiError{Status: http.StatusInternalServerError, Message: "An unexpected error occurred", Cause: err}
}

// errForeignKey says that a reference names no existing entity. field is
// the reference field ("service"), key/value what it was looked up by.
func errForeignKey(field, key, value string, cause error) *apiError {
	parent := field
	if !strings.HasSuffix(parent, "s") {
		parent += "s"
	}
	for _, ki := range kindTable {
		if k, ok := refKind(ki.Kind, field); ok {
			parent = string(k)
			break
		}
	}
	return &apiError{Status: http.StatusBadRequest, Code: codeForeignKeyViolation,
		Message: fmt.Sprintf("the foreign key '{%s=%q}' does not reference an existing '%s' entity.", key, value, parent),
		Fields:  map[string]any{field: map[string]any{key: value}}, Cause: cause}
}

// errDBLess is Kong's answer to writes on a node without a database.
func errDBLess(op string, k entity.Kind) *apiError {
	return &apiError{Status: http.StatusMethodNotAllowed, Code: codeOperationUnsupported,
		Message: fmt.Sprintf("cannot %s '%s' entities when not using a database", op, k)}
}
