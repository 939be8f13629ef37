package storetest

import (
	"fmt"

	"github.com/google/uuid"
)

// uuidOK checks id is a version 4 UUID in canonical form.
func uuidOK(id string) (uuid.UUID, error) {
	u, err := uuid.Parse(id)
	if err != nil {
		return u, err
	}
	if u.Version() != 4 || u.String() != id {
		return u, fmt.Errorf("not a canonical v4 UUID")
	}
	return u, nil
}
