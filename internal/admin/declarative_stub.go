package admin

import (
	"errors"

	"github.com/gantryhq/gantry/internal/entity"
)

// parseDeclarative is replaced by the declarative loader once it lands.
func parseDeclarative(data []byte) (*entity.Config, error) {
	return nil, errors.New("the declarative loader is not available in this build")
}
