package basicauth

import (
	"crypto/subtle"
	"strings"

	"golang.org/x/crypto/bcrypt"

	"github.com/gantryhq/gantry/internal/entity"
)

// HashPassword is how a basic-auth credential's password is stored: Kong's
// sha1(password .. consumer_id), hex. The Admin API and the declarative
// loader call it when a credential is written with a plain-text password,
// so exports stay compatible with Kong's.
func HashPassword(password, consumerID string) string {
	return entity.HashBasicAuthPassword(consumerID, password)
}

// checkPassword compares a presented password with the stored hash: a
// bcrypt hash ($2a$, $2b$, $2y$) or Kong's sha1 form.
func checkPassword(stored, password, consumerID string) bool {
	if strings.HasPrefix(stored, "$2") {
		return bcrypt.CompareHashAndPassword([]byte(stored), []byte(password)) == nil
	}
	return subtle.ConstantTimeCompare([]byte(stored), []byte(HashPassword(password, consumerID))) == 1
}
