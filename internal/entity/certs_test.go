package entity

import (
	"testing"
	"time"

	"github.com/gantryhq/gantry/internal/entity/entitytest"
)

type certOpts struct {
	rsa      bool
	ca       bool
	notAfter time.Time
}

// makeCert creates a self-signed certificate with a fresh key.
func makeCert(t testing.TB, o certOpts) entitytest.Cert {
	return entitytest.SelfSigned(t, entitytest.CertOptions{RSA: o.rsa, CA: o.ca, NotAfter: o.notAfter})
}
