package plugin

import (
	"log/slog"

	"github.com/gantryhq/gantry/internal/entity"
	"github.com/gantryhq/gantry/internal/yield"
)

// Env is what a handler gets when BuildChains builds it: the snapshot's
// lookups, a logger, and state that outlives snapshots.
type Env struct {
	Index  *Index
	Logger *slog.Logger
	// Shared is held by the chains being built: take values from it in
	// the handler's constructor, so they stop with the last snapshot using
	// them (a value taken later is kept until Registry.Close).
	Shared *Shared
	// ID is the plugin instance's entity id, a stable key into Shared.
	ID string
}

// Index answers the lookups authentication plugins make per request, from
// maps built once per snapshot: no lock, no allocation.
type Index struct {
	consumers  map[string]*entity.Consumer // by id, username and custom_id
	keyAuth    map[string]*entity.KeyAuth  // by key
	basicAuth  map[string]*entity.BasicAuth
	creds      map[string]*Credential // by credential id, prepared for Authenticate
	jwt        map[string]*entity.JWT
	groups     map[string][]string // consumer id → acl groups
	groupsJoin map[string]string   // consumer id → "g1, g2"
}

// NewIndex builds the lookups for cfg. BuildChains calls it; tests of
// other packages may too.
func NewIndex(cfg *entity.Config) *Index {
	ix := &Index{
		consumers:  make(map[string]*entity.Consumer, len(cfg.Consumers)*2),
		keyAuth:    make(map[string]*entity.KeyAuth, len(cfg.KeyAuths)),
		basicAuth:  make(map[string]*entity.BasicAuth, len(cfg.BasicAuths)),
		jwt:        make(map[string]*entity.JWT, len(cfg.JWTs)),
		groups:     map[string][]string{},
		groupsJoin: map[string]string{},
		creds:      map[string]*Credential{},
	}
	// Ids win over names: insert names first, ids last. Every loop gives
	// way to requests now and then (package yield).
	var y yield.Point
	for _, c := range cfg.Consumers {
		y.Tick()
		if c.CustomID != "" {
			ix.consumers[c.CustomID] = c
		}
		if c.Username != "" {
			ix.consumers[c.Username] = c
		}
	}
	for _, c := range cfg.Consumers {
		y.Tick()
		ix.consumers[c.ID] = c
	}
	for _, k := range cfg.KeyAuths {
		y.Tick()
		ix.keyAuth[k.Key] = k
		ix.creds[k.ID] = &Credential{ID: k.ID, ConsumerID: entity.RefID(k.Consumer), Identifier: k.ID}
	}
	for _, b := range cfg.BasicAuths {
		y.Tick()
		ix.basicAuth[b.Username] = b
		ix.creds[b.ID] = &Credential{ID: b.ID, ConsumerID: entity.RefID(b.Consumer), Identifier: b.Username}
	}
	for _, j := range cfg.JWTs {
		y.Tick()
		ix.jwt[j.Key] = j
		ix.creds[j.ID] = &Credential{ID: j.ID, ConsumerID: entity.RefID(j.Consumer), Identifier: j.Key}
	}
	for _, a := range cfg.ACLs {
		y.Tick()
		id := entity.RefID(a.Consumer)
		ix.groups[id] = append(ix.groups[id], a.Group)
	}
	for id, g := range ix.groups {
		joined := ""
		for i, s := range g {
			if i > 0 {
				joined += ", "
			}
			joined += s
		}
		ix.groupsJoin[id] = joined
	}
	return ix
}

// Consumer finds a consumer by id; ConsumerByAny also accepts a username
// or custom_id (the `anonymous` setting takes either).
func (ix *Index) Consumer(id string) *entity.Consumer {
	c := ix.consumers[id]
	if c == nil || c.ID != id {
		return nil
	}
	return c
}

// ConsumerByAny finds a consumer by id, username or custom_id.
func (ix *Index) ConsumerByAny(s string) *entity.Consumer { return ix.consumers[s] }

// KeyAuth finds a key-auth credential by its key.
func (ix *Index) KeyAuth(key string) *entity.KeyAuth { return ix.keyAuth[key] }

// BasicAuth finds a basic-auth credential by its username.
func (ix *Index) BasicAuth(username string) *entity.BasicAuth { return ix.basicAuth[username] }

// JWT finds a jwt credential by its key (the token's iss claim by default).
func (ix *Index) JWT(key string) *entity.JWT { return ix.jwt[key] }

// Credential returns the prepared Credential of a key-auth, basic-auth or
// jwt credential id, so authenticating allocates nothing. Identifier is
// what Kong sends in X-Credential-Identifier: the id for key-auth, the
// username for basic-auth, the key for jwt.
func (ix *Index) Credential(id string) *Credential { return ix.creds[id] }

// Groups returns the ACL groups of a consumer, in config order.
func (ix *Index) Groups(consumerID string) []string { return ix.groups[consumerID] }

// GroupsHeader returns the consumer's groups joined by ", ", the
// X-Consumer-Groups value, prepared once per snapshot.
func (ix *Index) GroupsHeader(consumerID string) string { return ix.groupsJoin[consumerID] }
