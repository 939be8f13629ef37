package entity

import (
	"crypto/sha1"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"strings"
)

// Normalize trims the consumer's username and custom_id.
func (c *Consumer) Normalize() {
	c.Username = strings.TrimSpace(c.Username)
	c.CustomID = strings.TrimSpace(c.CustomID)
	c.Tags = emptyToNil(c.Tags)
}

// Validate requires a username or a custom_id, as Kong does.
func (c *Consumer) Validate() Errors {
	var e Errors
	e.meta(&c.Meta)
	if c.Username == "" && c.CustomID == "" {
		e.Add("", "at least one of these fields must be non-empty: 'custom_id', 'username'")
	}
	return e
}

// Normalize makes a missing config an empty object and trims the name.
func (p *Plugin) Normalize() {
	p.Name = strings.TrimSpace(p.Name)
	p.InstanceName = strings.TrimSpace(p.InstanceName)
	if p.Config == nil {
		p.Config = map[string]any{}
	}
	p.Protocols = trimAll(p.Protocols)
	p.Tags = emptyToNil(p.Tags)
}

// Validate checks the plugin's envelope; its config is the plugin's own
// schema's business (see the plugin registry).
func (p *Plugin) Validate() Errors {
	var e Errors
	e.meta(&p.Meta)
	e.required("name", p.Name)
	e.name("instance_name", p.InstanceName)
	e.ref("service", p.Service)
	e.ref("route", p.Route)
	e.ref("consumer", p.Consumer)
	if len(p.Protocols) == 0 {
		e.Add("protocols", "length must be at least 1")
	}
	e.protocols("protocols", p.Protocols)
	return e
}

// Normalize trims the key.
func (k *KeyAuth) Normalize() { k.Key = strings.TrimSpace(k.Key); k.Tags = emptyToNil(k.Tags) }

// Validate requires a consumer and a key. Kong generates a missing key; the
// Admin API does so before validating, a declarative file must carry it so
// loading it twice gives the same configuration.
func (k *KeyAuth) Validate() Errors {
	var e Errors
	e.meta(&k.Meta)
	e.requiredRef("consumer", k.Consumer)
	e.required("key", k.Key)
	e.between("ttl", k.TTL, 0, 100000000)
	return e
}

// Normalize trims the username.
func (b *BasicAuth) Normalize() {
	b.Username = strings.TrimSpace(b.Username)
	b.Tags = emptyToNil(b.Tags)
}

// Validate requires a consumer, a username and a password.
func (b *BasicAuth) Validate() Errors {
	var e Errors
	e.meta(&b.Meta)
	e.requiredRef("consumer", b.Consumer)
	e.required("username", b.Username)
	e.required("password", b.Password)
	return e
}

// HashBasicAuthPassword hashes a basic-auth password as Kong stores it:
// hex(sha1(password .. consumer_id)). The declarative loader applies it when
// _transform is true; the basic-auth plugin compares against it.
func HashBasicAuthPassword(consumerID, password string) string {
	sum := sha1.Sum([]byte(password + consumerID))
	return hex.EncodeToString(sum[:])
}

// jwtAlgorithms are the algorithms Kong's jwt plugin accepts.
var jwtAlgorithms = []string{"HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "PS256", "PS384", "PS512", "EdDSA"}

// Normalize trims the key.
func (j *JWT) Normalize() { j.Key = strings.TrimSpace(j.Key); j.Tags = emptyToNil(j.Tags) }

// Validate checks the algorithm and that asymmetric algorithms carry a
// parseable public key.
func (j *JWT) Validate() Errors {
	var e Errors
	e.meta(&j.Meta)
	e.requiredRef("consumer", j.Consumer)
	e.required("key", j.Key)
	e.oneOf("algorithm", j.Algorithm, jwtAlgorithms...)
	if strings.HasPrefix(j.Algorithm, "HS") {
		e.required("secret", j.Secret)
		return e
	}
	if !e.required("rsa_public_key", j.RSAPublicKey) {
		return e
	}
	block, _ := pem.Decode([]byte(j.RSAPublicKey))
	if block == nil {
		e.Add("rsa_public_key", "invalid key: not PEM encoded")
	} else if _, err := x509.ParsePKIXPublicKey(block.Bytes); err != nil {
		if _, err2 := x509.ParsePKCS1PublicKey(block.Bytes); err2 != nil {
			e.Add("rsa_public_key", "invalid key: "+err.Error())
		}
	}
	return e
}

// Normalize trims the group.
func (a *ACL) Normalize() { a.Group = strings.TrimSpace(a.Group); a.Tags = emptyToNil(a.Tags) }

// Validate requires a consumer and a group.
func (a *ACL) Validate() Errors {
	var e Errors
	e.meta(&a.Meta)
	e.requiredRef("consumer", a.Consumer)
	e.required("group", a.Group)
	return e
}
