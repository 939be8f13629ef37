package plugin

import (
	"fmt"
	"net/http"

	"github.com/gantryhq/gantry/internal/entity"
)

// Headers sent upstream about the authenticated consumer, as Kong sends them.
const (
	HeaderConsumerID           = "X-Consumer-ID"
	HeaderConsumerCustomID     = "X-Consumer-Custom-ID"
	HeaderConsumerUsername     = "X-Consumer-Username"
	HeaderCredentialIdentifier = "X-Credential-Identifier"
	HeaderAnonymousConsumer    = "X-Anonymous-Consumer"
	HeaderConsumerGroups       = "X-Consumer-Groups"
)

// Canonical forms of the consumer headers: http.Header.Set would allocate
// them on every request otherwise.
var (
	canonConsumerID       = http.CanonicalHeaderKey(HeaderConsumerID)
	canonConsumerCustomID = http.CanonicalHeaderKey(HeaderConsumerCustomID)
	canonConsumerUsername = http.CanonicalHeaderKey(HeaderConsumerUsername)
	canonCredential       = http.CanonicalHeaderKey(HeaderCredentialIdentifier)
	canonAnonymous        = http.CanonicalHeaderKey(HeaderAnonymousConsumer)
)

// Credential is the credential that authenticated a request.
type Credential struct {
	ID         string
	ConsumerID string
	// Identifier is what X-Credential-Identifier carries: the credential
	// id for key-auth, the username for basic-auth, the key for jwt, as in
	// Kong.
	Identifier string
}

// Authenticate records the request's consumer and credential and sets the
// consumer headers sent upstream, clearing any the client sent. A nil
// credential means the anonymous consumer: X-Anonymous-Consumer is set.
// Later plugins then run with the consumer's configuration (see Chain).
func (c *Context) Authenticate(consumer *entity.Consumer, cred *Credential) {
	c.Consumer, c.Credential = consumer, cred
	h := c.Request.Header
	setOrDel(h, canonConsumerID, consumerField(consumer, func(x *entity.Consumer) string { return x.ID }))
	setOrDel(h, canonConsumerCustomID, consumerField(consumer, func(x *entity.Consumer) string { return x.CustomID }))
	setOrDel(h, canonConsumerUsername, consumerField(consumer, func(x *entity.Consumer) string { return x.Username }))
	if cred != nil {
		setOrDel(h, canonCredential, cred.Identifier)
		h.Del(canonAnonymous)
	} else {
		h.Del(canonCredential)
		h.Set(canonAnonymous, "true")
	}
}

// Authenticated reports whether an earlier plugin found a credential; auth
// plugins configured with `anonymous` then skip, which is how Kong combines
// several of them with a logical OR.
func (c *Context) Authenticated() bool { return c.Credential != nil }

func consumerField(x *entity.Consumer, f func(*entity.Consumer) string) string {
	if x == nil {
		return ""
	}
	return f(x)
}

func setOrDel(h http.Header, k, v string) {
	if v == "" {
		h.Del(k)
		return
	}
	h.Set(k, v)
}

// Reject ends a failed authentication the way Kong's auth plugins do: when
// anonymous (the plugin's `anonymous` setting: a consumer id or username)
// is set, the request continues as that consumer with X-Anonymous-Consumer;
// otherwise it exits with status, message ({"message": ...}) and headers.
// An anonymous consumer missing from the config is an error (a 500).
func (c *Context) Reject(ix *Index, anonymous *string, status int, message string, headers http.Header) error {
	if anonymous == nil || *anonymous == "" {
		c.Exit(status, message, headers)
		return nil
	}
	consumer := ix.ConsumerByAny(*anonymous)
	if consumer == nil {
		return fmt.Errorf("anonymous consumer %q is configured but doesn't exist", *anonymous)
	}
	c.Authenticate(consumer, nil)
	return nil
}

// Challenge is the WWW-Authenticate header of an auth plugin's 401s:
// scheme alone, or scheme realm="realm" when realm is set.
func Challenge(scheme string, realm *string) http.Header {
	v := scheme
	if realm != nil && *realm != "" {
		v += ` realm="` + *realm + `"`
	}
	return http.Header{"Www-Authenticate": {v}}
}
