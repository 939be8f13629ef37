package admin

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/store"
)

// snisTaken answers as Kong does when a certificate's snis shorthand names
// an SNI another certificate already holds: a schema violation on "snis"
// naming the holder, not a unique violation on a "name" field the request
// never had. Other errors pass through.
func (h *handler) snisTaken(ctx context.Context, kind entity.Kind, err error) error {
	var uniq *store.UniqueError
	if kind != entity.KindCertificate || !errors.As(err, &uniq) || uniq.Kind != entity.KindSNI {
		return err
	}
	msg := fmt.Sprintf("%s already associated with existing certificate", uniq.Value)
	if e, gerr := h.opts.Store.Get(ctx, entity.KindSNI, uniq.Value); gerr == nil {
		if sni, ok := e.(*entity.SNI); ok && sni.Certificate != nil {
			msg += fmt.Sprintf(" '%s'", sni.Certificate.ID)
		}
	}
	return &apiError{Status: http.StatusBadRequest, Code: codeSchemaViolation,
		Message: "schema violation (snis: " + msg + ")", Fields: map[string]any{"snis": msg}, Cause: err}
}
